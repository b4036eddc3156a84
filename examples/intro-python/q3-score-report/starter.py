def main():
    # Read lines with input() until an empty line or the end of the input,
    # then print the report described in the question.
    pass


if __name__ == "__main__":
    main()

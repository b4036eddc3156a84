# Starter code for the exercise. Do not change read_data.
import sys


def read_data(stream):
    """Read one integer per line and return them as a list."""
    values = []
    for line in stream:
        line = line.strip()
        if line:
            values.append(int(line))
    return values


def solve(values):
    # TODO: compute the answer
    return 0


def main():
    values = read_data(sys.stdin)
    answer = solve(values)
    print("The answer is", answer)


if __name__ == "__main__":
    main()

import sys


def main():
    values = read_data(sys.stdin)
    answer = solve(values)
    print("The answer is", answer)


def solve(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def read_data(stream):
    values = []
    for line in stream:
        line = line.strip()
        if line:
            values.append(int(line))
    return values


if __name__ == "__main__":
    main()

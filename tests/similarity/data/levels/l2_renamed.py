"""Course statistics: read scores, report summary figures."""


def parse_marks(text):
    # Parse a line of integers separated by spaces.
    marks = []
    for token in text.split():
        if token.isdigit():
            marks.append(int(token))
    return marks


def mean(marks):
    acc = 0
    for m in marks:
        acc += m
    return acc / len(marks)


def to_grade(m):
    if m >= 90:
        return "A"
    elif m >= 75:
        return "B"
    elif m >= 50:
        return "C"
    else:
        return "F"


def tally(marks):
    table = {}
    for m in marks:
        g = to_grade(m)
        if g in table:
            table[g] += 1
        else:
            table[g] = 1
    return table


def run():
    marks = parse_marks(input())
    top = 0
    for k in range(len(marks)):
        if marks[k] > marks[top]:
            top = k
    print("average", mean(marks))
    print("best student", top, "with", marks[top])
    print("grades", tally(marks))


run()

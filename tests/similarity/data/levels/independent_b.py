import sys

BOUNDS = [(90, "A"), (75, "B"), (50, "C")]


def grade_of(value):
    for bound, name in BOUNDS:
        if value >= bound:
            return name
    return "F"


def summary(values):
    result = {"count": len(values)}
    result["average"] = sum(values) / len(values) if values else 0
    position = max(range(len(values)), key=lambda j: values[j])
    result["best"] = (position, values[position])
    distribution = {}
    for value in values:
        key = grade_of(value)
        distribution[key] = distribution.get(key, 0) + 1
    result["grades"] = distribution
    return result


values = list(map(int, sys.stdin.readline().split()))
info = summary(values)
print("average", info["average"])
print("best student", *info["best"])
print("grades", info["grades"])

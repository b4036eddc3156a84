def parse_line(line):
    """Return (name, score) for a valid "name,score" line, or None."""
    parts = line.split(",")
    if len(parts) != 2:
        return None
    name = parts[0].strip()
    try:
        score = int(parts[1])
    except ValueError:
        return None
    if name == "" or score < 0 or score > 100:
        return None
    return name, score


def main():
    scores = []
    invalid = 0
    while True:
        try:
            line = input()
        except EOFError:
            break
        if line == "":
            break
        entry = parse_line(line)
        if entry is None:
            invalid += 1
        else:
            scores.append(entry)

    print(f"students: {len(scores)}")
    if scores:
        average = sum(score for _, score in scores) / len(scores)
        best_name, best_score = scores[0]
        for name, score in scores:
            if score > best_score:
                best_name, best_score = name, score
        print(f"average: {average:.2f}")
        print(f"best: {best_name} ({best_score})")
    print(f"invalid lines: {invalid}")


if __name__ == "__main__":
    main()

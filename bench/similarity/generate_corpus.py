#!/usr/bin/env python3
"""Generate a labelled corpus of Python submissions for similarity benchmarks.

The corpus has several exercises; each asks for the same set of functions
(tasks.py), and many students solve each one independently, choosing among
the ways students really write each function, with their own names, comments
and order. Those independent solutions are the hard negatives: they look alike
because the task is the same. Planted copies take one independent solution
and disguise it at a graded level:
  L1 comments, docstrings, blank lines and indentation changed
  L2 every user identifier renamed
  L3 functions and independent statements reordered
  L4 dead code inserted (unused variables, never-run branches, a dead helper)
  L5 equivalent rewrites: for-range to while, if/else swapped, augmented
     assignment expanded or contracted
  L6 all of the above
Output: DIR/submissions/<student>.py and DIR/labels.json, which lists each
student's exercise and, for copies, the source and level.

Usage: generate_corpus.py DIR --students N [--seed S] [--exercises E]
"""

import argparse
import json
import os
import random
import re

from tasks import COMMENTS, DOCSTRINGS, FUNCTION_NAMES, NAMES, TASKS

LEVELS = ["L1", "L2", "L3", "L4", "L5", "L6"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
CHOICE = re.compile(r"\[\[(.*?)\]\]", re.DOTALL)


class Node:
    """One line of code and, for a block header, its body."""

    def __init__(self, text, children=None):
        self.text = text
        self.children = children  # None for a simple statement
        self.comment = None

    def copy(self):
        node = Node(self.text, None if self.children is None else [c.copy() for c in self.children])
        node.comment = self.comment
        return node


def parse(text):
    """Parse four-space indented lines into a list of Nodes."""
    root = []
    stack = [(-1, root)]
    for line in text.splitlines():
        if not line.strip():
            continue
        depth = (len(line) - len(line.lstrip(" "))) // 4
        while stack[-1][0] >= depth:
            stack.pop()
        node = Node(line.strip(), [] if line.rstrip().endswith(":") else None)
        stack[-1][1].append(node)
        if node.children is not None:
            stack.append((depth, node.children))
    return root


def instantiate(template, names, rng):
    """Fill a task template for one student: choices, optional lines, names."""
    text = CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    lines = []
    skip_deeper_than = None
    for line in text.splitlines():
        indent = len(line) - len(line.lstrip(" "))
        if skip_deeper_than is not None:
            if line.strip() and indent > skip_deeper_than:
                continue
            skip_deeper_than = None
        stripped = line.lstrip(" ")
        if stripped.startswith("?"):
            if rng.random() < 0.5:
                skip_deeper_than = indent
                continue
            line = " " * indent + stripped[1:]
        lines.append(line)
    text = "\n".join(lines)
    text = re.sub(r"\n\s*\n(\s*)(else|elif)", r"\n\1\2", text)
    return PLACEHOLDER.sub(lambda m: names.get(m.group(1), m.group(0)), text)


def pick_names(task, rng):
    names = {key: rng.choice(pool) for key, pool in NAMES.items()}
    names["fn"] = rng.choice(FUNCTION_NAMES[task])
    return names


class Program:
    """A submission: top-level definitions and a main function."""

    def __init__(self, definitions, main):
        self.definitions = definitions  # list of (task, [Node]) in file order
        self.main = main  # [Node], the body of main()
        self.style = {"indent": "    ", "blank": 2, "main_name": "main"}

    def copy(self):
        program = Program([(t, [n.copy() for n in nodes]) for t, nodes in self.definitions],
                          [n.copy() for n in self.main])
        program.style = dict(self.style)
        return program


def make_solution(exercise_tasks, rng):
    definitions = []
    main = [Node("data = [int(x) for x in input().split()]"), Node("text = input()")]
    order = list(exercise_tasks)
    rng.shuffle(order)
    for task in order:
        names = pick_names(task, rng)
        template = rng.choice(TASKS[task]["variants"])
        nodes = parse(instantiate(template, names, rng))
        decorate(nodes, rng)
        definitions.append((task, nodes))
        call = PLACEHOLDER.sub(lambda m: names.get(m.group(1), m.group(0)), TASKS[task]["call"])
        if rng.random() < 0.5:
            main.append(Node(f'print("{task}:", {call})'))
        else:
            var = f"r_{task}" if rng.random() < 0.5 else f"{task}_result"
            main.append(Node(f"{var} = {call}"))
            main.append(Node(f"print({var})"))
    program = Program(definitions, main)
    program.style["main_name"] = rng.choice(["main", "run", "solve"])
    program.style["indent"] = rng.choice(["    ", "    ", "  "])
    return program


def decorate(nodes, rng):
    """Add a student's own comments and docstrings."""
    for node in nodes:
        if node.text.startswith("def ") and rng.random() < 0.5:
            node.children.insert(0, Node(f'"""{rng.choice(DOCSTRINGS)}"""'))
        if rng.random() < 0.15:
            node.comment = rng.choice(COMMENTS)
        if node.children:
            decorate(node.children, rng)


def render(program, rng=None):
    indent = program.style["indent"]
    blank = "\n" * program.style["blank"]
    out = []

    def emit(nodes, depth):
        for node in nodes:
            if node.comment:
                out.append(f"{indent * depth}# {node.comment}")
            out.append(indent * depth + node.text)
            if node.children is not None:
                emit(node.children or [Node("pass")], depth + 1)

    chunks = []
    for _, nodes in program.definitions:
        out = []
        emit(nodes, 0)
        chunks.append("\n".join(out))
    out = []
    emit([Node(f"def {program.style['main_name']}():", program.main)], 0)
    chunks.append("\n".join(out))
    tail = f"\n\nif __name__ == \"__main__\":\n{indent}{program.style['main_name']}()\n"
    return (blank + "\n").join(chunks) + tail


# Obfuscations ---------------------------------------------------------------

def walk(nodes):
    for node in nodes:
        yield node
        if node.children:
            yield from walk(node.children)


def obfuscate_l1(program, rng):
    for node in walk([n for _, nodes in program.definitions for n in nodes] + program.main):
        node.comment = rng.choice(COMMENTS) if rng.random() < 0.3 else None
        if node.children and node.children[0].text.startswith('"""'):
            node.children.pop(0)
        if node.text.startswith("def ") and rng.random() < 0.4:
            node.children.insert(0, Node('"""' + rng.choice(DOCSTRINGS) + '"""'))
    program.style["indent"] = "\t" if program.style["indent"] != "\t" else "    "
    program.style["blank"] = 1 if program.style["blank"] == 2 else 2


def all_identifiers(program):
    found = set()
    for node in walk([n for _, nodes in program.definitions for n in nodes] + program.main):
        found.update(re.findall(r"\b[A-Za-z_]\w*\b", re.sub(r'"[^"]*"', "", node.text)))
    return found


KEEP = set("""False None True and as assert break class continue def del elif else except
finally for from global if import in is lambda nonlocal not or pass raise return try while with
yield print len range int str float list dict set tuple input enumerate zip sorted sum min max abs
any all append extend split lower upper strip get items index isdigit isupper islower isalnum
ValueError self __init__ __name__ deposit withdraw history x data text""".split())


def obfuscate_l2(program, rng):
    mapping = {}
    for name in sorted(all_identifiers(program)):
        if name in KEEP or name.startswith("r_") or name.endswith("_result"):
            continue
        mapping[name] = f"{rng.choice(['tmp', 'var', 'q', 'z', 'my', 'val', 'foo'])}_{len(mapping)}"

    def rename(text):
        parts = re.split(r'("[^"]*")', text)
        return "".join(p if p.startswith('"') else
                       re.sub(r"\b[A-Za-z_]\w*\b", lambda m: mapping.get(m.group(0), m.group(0)), p)
                       for p in parts)

    for node in walk([n for _, nodes in program.definitions for n in nodes] + program.main):
        node.text = rename(node.text)
    program.style["main_name"] = mapping.get(program.style["main_name"], "entry")


INDEPENDENT_INIT = re.compile(r"^\w+ = (0|0\.0|\[\]|\{\}|dict\(\)|True|False|1|\"\w*\")$")


def shuffle_independent(nodes, rng):
    """Shuffle each run of independent initialisations, recursively."""
    i = 0
    while i < len(nodes):
        j = i
        while j < len(nodes) and nodes[j].children is None and INDEPENDENT_INIT.match(nodes[j].text):
            j += 1
        if j - i >= 2:
            run = nodes[i:j]
            rng.shuffle(run)
            nodes[i:j] = run
        i = max(j, i + 1)
    for node in nodes:
        if node.children:
            shuffle_independent(node.children, rng)


def obfuscate_l3(program, rng):
    original = [t for t, _ in program.definitions]
    for _ in range(5):
        rng.shuffle(program.definitions)
        if [t for t, _ in program.definitions] != original or len(original) < 2:
            break
    head, calls = program.main[:2], program.main[2:]
    groups = []
    for node in calls:
        if groups and node.text.startswith("print(") and not node.text.startswith('print("'):
            groups[-1].append(node)
        else:
            groups.append([node])
    rng.shuffle(groups)
    program.main = head + [n for g in groups for n in g]
    for _, nodes in program.definitions:
        shuffle_independent(nodes, rng)


DEAD_CODE = [
    ["unused_{n} = 0"],
    ["if False:", "    print(\"debug {n}\")"],
    ["for _ in range(0):", "    pass"],
    ["debug_{n} = len([])"],
    ["while False:", "    break"],
    ["check_{n} = [0] * 3", "check_{n}.append(1)"],
]


def dead_nodes(rng, n):
    return parse("\n".join(line.format(n=n) for line in rng.choice(DEAD_CODE)))


def insert_dead(nodes, rng, counter):
    for node in list(nodes):
        if node.children and rng.random() < 0.5:
            insert_dead(node.children, rng, counter)
    # Never between an if and its else, after a return, or before a docstring.
    valid = [p for p in range(len(nodes) + 1)
             if (p == len(nodes) or not nodes[p].text.startswith(("else", "elif", "except")))
             and (p == 0 or not nodes[p - 1].text.startswith(("return", "raise", "break", "continue")))
             and not (p == 0 and nodes and nodes[0].text.startswith('"""'))]
    if not valid:
        return
    position = rng.choice(valid)
    counter[0] += 1
    nodes[position:position] = dead_nodes(rng, counter[0])


def obfuscate_l4(program, rng):
    counter = [0]
    for _, nodes in program.definitions:
        for node in nodes:
            if node.children is not None:
                insert_dead(node.children, rng, counter)
    program.definitions.insert(rng.randrange(0, len(program.definitions) + 1), ("dead", parse(
        "def unused_helper(z):\n    if z > 100:\n        return z - 1\n    return z + 1\n")))


RANGE_FOR = re.compile(r"^for (\w+) in range\(([^,()]+(?:\([^()]*\))?[^,()]*)(?:, ([^,]+))?\):$")
AUG = re.compile(r"^([\w.\[\]\"]+) (\+|-|\*)= (.+)$")
EXPANDED = re.compile(r"^([\w.\[\]\"]+) = \1 (\+|-|\*) (.+)$")


def uses_continue(nodes):
    return any(n.text.startswith("continue") for n in walk(nodes))


def rewrite(nodes, rng):
    out = []
    i = 0
    while i < len(nodes):
        node = nodes[i]
        if node.children:
            node.children = rewrite(node.children, rng)
        match = RANGE_FOR.match(node.text)
        if match and not uses_continue(node.children) and rng.random() < 0.8:
            var, first, second = match.groups()
            start, stop = ("0", first) if second is None else (first, second)
            out.append(Node(f"{var} = {start}"))
            loop = Node(f"while {var} < {stop}:", node.children + [Node(f"{var} += 1")])
            out.append(loop)
            i += 1
            continue
        if (node.text.startswith("if ") and i + 1 < len(nodes) and nodes[i + 1].text == "else:"
                and rng.random() < 0.8):
            other = nodes[i + 1]
            other.children = rewrite(other.children, rng)
            condition = node.text[3:-1]
            out.append(Node(f"if not ({condition}):", other.children))
            out.append(Node("else:", node.children))
            i += 2
            continue
        if node.children is None and rng.random() < 0.8:
            aug = AUG.match(node.text)
            expanded = EXPANDED.match(node.text)
            if aug:
                target, op, value = aug.groups()
                value = value if re.fullmatch(r"[\w.\[\]]+", value) else f"({value})"
                node = Node(f"{target} = {target} {op} {value}")
            elif expanded and re.fullmatch(r"[\w.\[\]]+", expanded.group(3)):
                node = Node(f"{expanded.group(1)} {expanded.group(2)}= {expanded.group(3)}")
        out.append(node)
        i += 1
    return out


def obfuscate_l5(program, rng):
    program.definitions = [(t, rewrite(nodes, rng)) for t, nodes in program.definitions]
    program.main = rewrite(program.main, rng)


OBFUSCATIONS = {
    "L1": [obfuscate_l1],
    "L2": [obfuscate_l2],
    "L3": [obfuscate_l3],
    "L4": [obfuscate_l4],
    "L5": [obfuscate_l5],
    "L6": [obfuscate_l5, obfuscate_l4, obfuscate_l3, obfuscate_l2, obfuscate_l1],
}


def plan_exercises(count, rng):
    """Each exercise asks for a fixed subset of the tasks."""
    names = sorted(TASKS)
    return [sorted(rng.sample(names, 13)) for _ in range(count)]


def generate(directory, students, seed, exercises):
    rng = random.Random(seed)
    plans = plan_exercises(exercises, rng)
    copies_per_level = max(1, students // 50)
    independent = students - copies_per_level * len(LEVELS)
    if independent < 2 * exercises:
        raise SystemExit(f"--students {students} is too few for {exercises} exercises and "
                         f"{len(LEVELS)} levels of copies; use at least {12 * len(LEVELS)}")

    os.makedirs(os.path.join(directory, "submissions"), exist_ok=True)
    labels = {"seed": seed, "exercises": plans, "students": {}}
    programs = []
    width = len(str(students))
    number = 0

    def save(program, info):
        nonlocal number
        number += 1
        name = f"s{number:0{width}d}"
        path = os.path.join(directory, "submissions", name + ".py")
        with open(path, "w", encoding="utf-8") as out:
            out.write(render(program))
        labels["students"][name] = info
        return name

    for s in range(independent):
        exercise = s % exercises
        program = make_solution(plans[exercise], rng)
        name = save(program, {"exercise": exercise, "kind": "independent"})
        programs.append((name, exercise, program))

    for level in LEVELS:
        for _ in range(copies_per_level):
            source, exercise, program = rng.choice(programs)
            copy = program.copy()
            for step in OBFUSCATIONS[level]:
                step(copy, rng)
            save(copy, {"exercise": exercise, "kind": "copy", "level": level, "source": source})

    with open(os.path.join(directory, "labels.json"), "w", encoding="utf-8") as out:
        json.dump(labels, out, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--students", type=int, required=True, help="total submissions")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--exercises", type=int, default=5)
    args = parser.parse_args()
    generate(args.directory, args.students, args.seed, args.exercises)


if __name__ == "__main__":
    main()

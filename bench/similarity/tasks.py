"""Task templates for the labelled similarity corpus.

Each task is one function that an exercise asks for, written in two or three
ways that students really use. Within a template:
  {name}      an identifier, filled from NAMES per student (and renamed in L2)
  [[a|b|c]]   a free choice between equivalent spellings, made per student
  ?           at the start of a line (after the indent): an optional line,
              kept by about half the students; its nested lines go with it
Templates are indented with four spaces.
"""

NAMES = {
    "xs": ["values", "numbers", "nums", "data", "items", "lst", "arr", "seq"],
    "x": ["v", "n", "x", "item", "value", "num", "el", "elem"],
    "i": ["i", "idx", "k", "j", "pos", "index"],
    "acc": ["total", "result", "acc", "s", "res", "out", "answer"],
    "cnt": ["count", "c", "counter", "n_found", "hits", "cnt"],
    "best": ["best", "biggest", "largest", "top", "mx", "current_max"],
    "words": ["words", "parts", "tokens", "pieces", "ws"],
    "w": ["w", "word", "token", "part", "t"],
    "freq": ["freq", "counts", "table", "seen", "occurrences", "d"],
    "text": ["text", "s", "line", "sentence", "string", "txt"],
    "lo": ["lo", "low", "left", "start", "first"],
    "hi": ["hi", "high", "right", "end", "last"],
    "mid": ["mid", "middle", "m", "centre", "half"],
    "target": ["target", "key", "wanted", "goal", "needle"],
    "a": ["a", "p", "first", "m1", "x1"],
    "b": ["b", "q", "second", "m2", "x2"],
    "grid": ["grid", "matrix", "table", "rows", "mat", "board"],
    "row": ["row", "r", "line", "cells", "rw"],
    "score": ["score", "mark", "points", "grade_value", "pts"],
    "ch": ["ch", "c", "char", "letter", "symbol"],
    "pw": ["password", "pw", "secret", "candidate", "pwd"],
    "ok": ["ok", "valid", "good", "flag", "passed"],
    "bal": ["balance", "amount", "money", "funds", "bal"],
    "cls": ["Account", "BankAccount", "Wallet", "Purse", "Ledger"],
    "amt": ["amount", "value", "sum_", "qty", "how_much"],
    "win": ["window", "size", "width", "span", "w_len"],
    "out": ["averages", "means", "result", "smoothed", "out_list"],
    "merged": ["merged", "combined", "result", "joined", "out"],
    "p": ["p", "prime", "d", "divisor", "factor"],
}

# Function names per task: students pick one of these.
FUNCTION_NAMES = {
    "count_even": ["count_even", "count_evens", "num_even", "evens", "how_many_even"],
    "max_index": ["max_index", "index_of_max", "argmax", "find_max", "position_of_max"],
    "word_freq": ["word_freq", "count_words", "frequencies", "word_counts", "tally"],
    "palindrome": ["is_palindrome", "palindrome", "check_palindrome", "is_pal", "symmetric"],
    "squares": ["odd_squares", "square_odds", "squares_of_odd", "odd_sq", "squares"],
    "col_sums": ["column_sums", "col_sums", "sum_columns", "columns_total", "colsum"],
    "grade": ["grade", "letter_grade", "to_letter", "grade_of", "classify"],
    "bsearch": ["binary_search", "bsearch", "find", "search", "locate"],
    "gcd": ["gcd", "greatest_divisor", "my_gcd", "euclid", "common_divisor"],
    "primes": ["primes_up_to", "primes", "list_primes", "get_primes", "sieve"],
    "merge": ["merge", "merge_sorted", "combine", "merge_lists", "zip_sorted"],
    "password": ["valid_password", "check_password", "is_strong", "password_ok", "strong"],
    "moving": ["moving_average", "smooth", "running_mean", "window_avg", "averages"],
    "digits": ["digit_sum", "sum_digits", "add_digits", "digits_total", "cross_sum"],
    "account": ["make_account", "new_account", "open_account", "create", "start_account"],
}

TASKS = {
    "count_even": {
        "call": "{fn}(data)",
        "variants": [
            """def {fn}({xs}):
    ?if not {xs}:
        return 0
    {cnt} = 0
    for {x} in {xs}:
        if {x} % 2 == 0:
            {cnt} += 1
    return {cnt}
""",
            """def {fn}({xs}):
    {cnt} = 0
    for {i} in range(len({xs})):
        if {xs}[{i}] % 2 == 0:
            {cnt} = {cnt} + 1
        [[else:
            continue|]]
    return {cnt}
""",
            """def {fn}({xs}):
    return [[len([{x} for {x} in {xs} if {x} % 2 == 0])|sum(1 for {x} in {xs} if {x} % 2 == 0)]]
""",
        ],
    },
    "max_index": {
        "call": "{fn}(data)",
        "variants": [
            """def {fn}({xs}):
    {best} = 0
    for {i} in range(1, len({xs})):
        if {xs}[{i}] > {xs}[{best}]:
            {best} = {i}
    return {best}
""",
            """def {fn}({xs}):
    ?if len({xs}) == 0:
        return -1
    {best} = {xs}[0]
    {i} = 0
    for {x}, {acc} in enumerate({xs}):
        if {acc} > {best}:
            {best} = {acc}
            {i} = {x}
    return {i}
""",
            """def {fn}({xs}):
    return {xs}.index(max({xs}))
""",
        ],
    },
    "word_freq": {
        "call": "{fn}(text)",
        "variants": [
            """def {fn}({text}):
    {freq} = {}
    for {w} in {text}.lower().split():
        {w} = {w}.strip(".,!?")
        if {w} in {freq}:
            {freq}[{w}] += 1
        else:
            {freq}[{w}] = 1
    return {freq}
""",
            """def {fn}({text}):
    {freq} = dict()
    {words} = {text}.[[lower().|]]split()
    for {w} in {words}:
        {freq}[{w}] = {freq}.get({w}, 0) + 1
    ?{freq} = dict(sorted({freq}.items()))
    return {freq}
""",
        ],
    },
    "palindrome": {
        "call": "{fn}(\"level\")",
        "variants": [
            """def {fn}({text}):
    {text} = {text}.lower()
    return {text} == {text}[::-1]
""",
            """def {fn}({text}):
    {lo} = 0
    {hi} = len({text}) - 1
    while {lo} < {hi}:
        if {text}[{lo}] != {text}[{hi}]:
            return False
        {lo} += 1
        {hi} -= 1
    return True
""",
            """def {fn}({text}):
    {ch} = [{x} for {x} in {text}.lower() if {x}.isalnum()]
    for {i} in range(len({ch}) // 2):
        if {ch}[{i}] != {ch}[len({ch}) - 1 - {i}]:
            return False
    return True
""",
        ],
    },
    "squares": {
        "call": "{fn}(data)",
        "variants": [
            """def {fn}({xs}):
    {acc} = []
    for {x} in {xs}:
        if {x} % 2 == 1:
            {acc}.append({x} [[* {x}|** 2]])
    return {acc}
""",
            """def {fn}({xs}):
    return [{x} [[* {x}|** 2]] for {x} in {xs} if {x} % 2 [[== 1|!= 0]]]
""",
        ],
    },
    "col_sums": {
        "call": "{fn}([[1, 2], [3, 4]])",
        "variants": [
            """def {fn}({grid}):
    ?if not {grid}:
        return []
    {acc} = [0] * len({grid}[0])
    for {row} in {grid}:
        for {i} in range(len({row})):
            {acc}[{i}] += {row}[{i}]
    return {acc}
""",
            """def {fn}({grid}):
    {acc} = []
    for {i} in range(len({grid}[0])):
        {cnt} = 0
        for {row} in {grid}:
            {cnt} += {row}[{i}]
        {acc}.append({cnt})
    return {acc}
""",
            """def {fn}({grid}):
    return [sum({row}) for {row} in zip(*{grid})]
""",
        ],
    },
    "grade": {
        "call": "{fn}(73)",
        "variants": [
            """def {fn}({score}):
    if {score} >= 90:
        return "A"
    elif {score} >= 80:
        return "B"
    elif {score} >= 70:
        return "C"
    elif {score} >= 60:
        return "D"
    else:
        return "F"
""",
            """def {fn}({score}):
    ?if {score} < 0 or {score} > 100:
        raise ValueError("score out of range")
    {acc} = "F"
    if {score} >= 90:
        {acc} = "A"
    elif {score} >= 80:
        {acc} = "B"
    elif {score} >= 70:
        {acc} = "C"
    elif {score} >= 60:
        {acc} = "D"
    return {acc}
""",
            """def {fn}({score}):
    for {lo}, {ch} in [(90, "A"), (80, "B"), (70, "C"), (60, "D")]:
        if {score} >= {lo}:
            return {ch}
    return "F"
""",
        ],
    },
    "bsearch": {
        "call": "{fn}(sorted(data), 5)",
        "variants": [
            """def {fn}({xs}, {target}):
    {lo} = 0
    {hi} = len({xs}) - 1
    while {lo} <= {hi}:
        {mid} = ({lo} + {hi}) // 2
        if {xs}[{mid}] == {target}:
            return {mid}
        elif {xs}[{mid}] < {target}:
            {lo} = {mid} + 1
        else:
            {hi} = {mid} - 1
    return -1
""",
            """def {fn}({xs}, {target}):
    {lo}, {hi} = 0, len({xs})
    while {lo} < {hi}:
        {mid} = ({lo} + {hi}) // 2
        if {xs}[{mid}] < {target}:
            {lo} = {mid} + 1
        else:
            {hi} = {mid}
    if {lo} < len({xs}) and {xs}[{lo}] == {target}:
        return {lo}
    return -1
""",
        ],
    },
    "gcd": {
        "call": "{fn}(84, 36)",
        "variants": [
            """def {fn}({a}, {b}):
    while {b} != 0:
        {a}, {b} = {b}, {a} % {b}
    return {a}
""",
            """def {fn}({a}, {b}):
    if {b} == 0:
        return {a}
    return {fn}({b}, {a} % {b})
""",
            """def {fn}({a}, {b}):
    {best} = 1
    for {i} in range(1, min({a}, {b}) + 1):
        if {a} % {i} == 0 and {b} % {i} == 0:
            {best} = {i}
    return {best}
""",
        ],
    },
    "primes": {
        "call": "{fn}(30)",
        "variants": [
            """def {fn}({hi}):
    {acc} = []
    for {x} in range(2, {hi} + 1):
        {ok} = True
        for {p} in range(2, int({x} ** 0.5) + 1):
            if {x} % {p} == 0:
                {ok} = False
                break
        if {ok}:
            {acc}.append({x})
    return {acc}
""",
            """def {fn}({hi}):
    {ok} = [True] * ({hi} + 1)
    {ok}[0] = False
    ?{ok}[1] = False
    for {p} in range(2, {hi} + 1):
        if {ok}[{p}]:
            for {x} in range({p} * {p}, {hi} + 1, {p}):
                {ok}[{x}] = False
    return [{i} for {i} in range(2, {hi} + 1) if {ok}[{i}]]
""",
        ],
    },
    "merge": {
        "call": "{fn}([1, 4, 9], [2, 3, 10])",
        "variants": [
            """def {fn}({a}, {b}):
    {merged} = []
    {i} = 0
    {lo} = 0
    while {i} < len({a}) and {lo} < len({b}):
        if {a}[{i}] <= {b}[{lo}]:
            {merged}.append({a}[{i}])
            {i} += 1
        else:
            {merged}.append({b}[{lo}])
            {lo} += 1
    {merged}.extend({a}[{i}:])
    {merged}.extend({b}[{lo}:])
    return {merged}
""",
            """def {fn}({a}, {b}):
    return sorted({a} + {b})
""",
        ],
    },
    "password": {
        "call": "{fn}(\"Secret123\")",
        "variants": [
            """def {fn}({pw}):
    if len({pw}) < 8:
        return False
    {lo} = False
    {hi} = False
    {ok} = False
    for {ch} in {pw}:
        if {ch}.islower():
            {lo} = True
        elif {ch}.isupper():
            {hi} = True
        elif {ch}.isdigit():
            {ok} = True
    return {lo} and {hi} and {ok}
""",
            """def {fn}({pw}):
    {ok} = len({pw}) >= 8
    {ok} = {ok} and any({ch}.isupper() for {ch} in {pw})
    {ok} = {ok} and any({ch}.islower() for {ch} in {pw})
    {ok} = {ok} and any({ch}.isdigit() for {ch} in {pw})
    return {ok}
""",
        ],
    },
    "moving": {
        "call": "{fn}(data, 3)",
        "variants": [
            """def {fn}({xs}, {win}):
    {out} = []
    for {i} in range(len({xs}) - {win} + 1):
        {acc} = 0
        for {lo} in range({i}, {i} + {win}):
            {acc} += {xs}[{lo}]
        {out}.append({acc} / {win})
    return {out}
""",
            """def {fn}({xs}, {win}):
    {out} = []
    {acc} = sum({xs}[:{win}])
    {out}.append({acc} / {win})
    for {i} in range({win}, len({xs})):
        {acc} += {xs}[{i}] - {xs}[{i} - {win}]
        {out}.append({acc} / {win})
    return {out}
""",
            """def {fn}({xs}, {win}):
    return [sum({xs}[{i}:{i} + {win}]) / {win} for {i} in range(len({xs}) - {win} + 1)]
""",
        ],
    },
    "digits": {
        "call": "{fn}(98765)",
        "variants": [
            """def {fn}({x}):
    {acc} = 0
    while {x} > 0:
        {acc} += {x} % 10
        {x} //= 10
    return {acc}
""",
            """def {fn}({x}):
    return sum(int({ch}) for {ch} in str({x}))
""",
            """def {fn}({x}):
    if {x} < 10:
        return {x}
    return {x} % 10 + {fn}({x} // 10)
""",
        ],
    },
    "account": {
        "call": "{fn}(100)",
        "variants": [
            """class {cls}:
    def __init__(self, {bal}):
        self.{bal} = {bal}
        ?self.history = []

    def deposit(self, {amt}):
        if {amt} <= 0:
            raise ValueError("amount must be positive")
        self.{bal} += {amt}

    def withdraw(self, {amt}):
        if {amt} > self.{bal}:
            return False
        self.{bal} -= {amt}
        return True


def {fn}({bal}):
    {acc} = {cls}({bal})
    {acc}.deposit(50)
    {acc}.withdraw(30)
    return {acc}.{bal}
""",
            """def {fn}({bal}):
    {acc} = {"balance": {bal}, "log": []}
    {acc}["balance"] = {acc}["balance"] + 50
    {acc}["log"].append(50)
    if {acc}["balance"] >= 30:
        {acc}["balance"] = {acc}["balance"] - 30
        {acc}["log"].append(-30)
    return {acc}["balance"]
""",
        ],
    },
}

COMMENTS = [
    "compute the result", "loop over the input", "edge case", "helper", "TODO check this",
    "as in the lecture", "see exercise sheet", "this works", "initialise", "main logic",
    "return the answer", "handle empty input", "simple approach", "faster version",
]

DOCSTRINGS = [
    "Return the answer for this part.", "Solve the task from the sheet.",
    "Compute and return the result.", "Helper for the exercise.",
]

# grades
def tally(marks):
	table = {}
	for m in marks:
		g = to_grade(m)
		if not (g in table):
			table[g] = 1
		else:
			table[g] = table[g] + 1
	flag = None
	return table

def parse_marks(text):
	marks = []
	for token in text.split():
		if token.isdigit():
			marks.append(int(token))
	if False:
		print("debug")
	return marks

def run():
	marks = parse_marks(input())
	top = 0
	k = 0
	while k < len(marks):
		if marks[k] > marks[top]:
			top = k
		k += 1
	print("grades", tally(marks))
	print("average", mean(marks))
	print("best student", top, "with", marks[top])

def to_grade(m):
	if m >= 90:
		return "A"
	elif m >= 75:
		return "B"
	elif m >= 50:
		return "C"
	else:
		return "F"

def mean(marks):
	acc = 0
	for m in marks:
		acc = acc + m
	spare = [0] * 3
	return acc / len(marks)

run()

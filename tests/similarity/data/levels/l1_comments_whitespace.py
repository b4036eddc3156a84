# statistics for the course
def read_scores(line):
	scores = []
	for part in line.split():   # each token
		if part.isdigit():
			scores.append(int(part))
	return scores

def average(scores):
	'''Mean of the scores.'''
	total = 0
	for score in scores:
		total += score
	return total / len(scores)

def letter(score):
	if score >= 90:
		return "A"
	elif score >= 75:
		return "B"
	elif score >= 50:
		return "C"
	else:
		return "F"

def histogram(scores):
	counts = {}
	for score in scores:
		grade = letter(score)
		if grade in counts:
			counts[grade] += 1
		else:
			counts[grade] = 1
	return counts

def main():
	scores = read_scores(input())
	best = 0
	for i in range(len(scores)):
		if scores[i] > scores[best]:
			best = i
	print("average", average(scores))
	print("best student", best, "with", scores[best])
	print("grades", histogram(scores))

main()

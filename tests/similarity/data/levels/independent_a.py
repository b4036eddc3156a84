def main():
    nums = [int(x) for x in input().split() if x.isdigit()]
    avg = sum(nums) / len(nums)
    best = nums.index(max(nums))
    grades = {}
    for n in nums:
        if n >= 90:
            g = "A"
        elif n >= 75:
            g = "B"
        elif n >= 50:
            g = "C"
        else:
            g = "F"
        grades[g] = grades.get(g, 0) + 1
    print("average", avg)
    print("best student", best, "with", nums[best])
    print("grades", grades)


if __name__ == "__main__":
    main()

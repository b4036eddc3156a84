def second_largest(numbers):
    """Return the second largest distinct value in numbers, or None."""
    largest = None
    second = None
    for number in numbers:
        if largest is None or number > largest:
            second = largest
            largest = number
        elif number != largest and (second is None or number > second):
            second = number
    return second

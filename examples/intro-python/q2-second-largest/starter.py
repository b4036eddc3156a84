def second_largest(numbers):
    """Return the second largest distinct value in numbers, or None."""
    # Write your code here.
    pass

def format_duration(seconds):
    """Return seconds as "H:MM:SS", for example 3661 -> "1:01:01"."""
    # Write your code here.
    pass

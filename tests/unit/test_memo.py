"""The bounded cache keeps the most recently used entries and no more."""

from edu.services.memo import BoundedCache


def test_the_least_recently_used_entry_goes_first():
    cache = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert "b" not in cache
    assert ("a" in cache, "c" in cache, len(cache)) == (True, True, 2)


def test_clear_forgets_everything():
    cache = BoundedCache(4)
    cache.put("a", 1)
    cache.clear()
    assert cache.get("a") is None

"""The in-repo coding task set: small functions with a reference solution and pytest tests.

Authored for swarmnb (not taken from a benchmark), so CI and the sim can use them freely. Each
entry: ``id`` (also the module name), ``entry_point``, ``difficulty`` (1 easy, 2 medium),
``requirement`` (what a product owner would ask for), ``reference`` (a correct module) and
``tests`` (the body of ``tests/test_<id>.py``; the import line is added by
:class:`~swarmnb.scenarios.codetasks.CodingTask`).
"""

from __future__ import annotations

TASKS: tuple[dict[str, object], ...] = (
    {
        "id": "fizzbuzz",
        "entry_point": "fizzbuzz",
        "difficulty": 1,
        "requirement": (
            "Write fizzbuzz(n) returning a list of strings for 1..n: 'Fizz' for multiples of 3, "
            "'Buzz' for multiples of 5, 'FizzBuzz' for both, else the number."
        ),
        "reference": r"""def fizzbuzz(n):
    out = []
    for i in range(1, n + 1):
        if i % 15 == 0:
            out.append("FizzBuzz")
        elif i % 3 == 0:
            out.append("Fizz")
        elif i % 5 == 0:
            out.append("Buzz")
        else:
            out.append(str(i))
    return out
""",
        "tests": r"""def test_first_five():
    assert fizzbuzz(5) == ["1", "2", "Fizz", "4", "Buzz"]

def test_fifteen():
    assert fizzbuzz(15)[-1] == "FizzBuzz"
    assert fizzbuzz(15)[8] == "Fizz"

def test_empty():
    assert fizzbuzz(0) == []
""",
    },
    {
        "id": "palindrome",
        "entry_point": "is_palindrome",
        "difficulty": 1,
        "requirement": (
            "Write is_palindrome(text) that is True when text reads the same backwards, ignoring "
            "case and every character that is not a letter or digit."
        ),
        "reference": r"""def is_palindrome(text):
    chars = [c.lower() for c in text if c.isalnum()]
    return chars == chars[::-1]
""",
        "tests": r"""def test_simple():
    assert is_palindrome("level")
    assert not is_palindrome("levels")

def test_ignores_case_and_punctuation():
    assert is_palindrome("A man, a plan, a canal: Panama!")

def test_empty_and_digits():
    assert is_palindrome("")
    assert is_palindrome("12 21")
    assert not is_palindrome("123")
""",
    },
    {
        "id": "word_count",
        "entry_point": "word_count",
        "difficulty": 1,
        "requirement": (
            "Write word_count(text) returning a dict from each lower-cased word (runs of letters,"
            " digits or apostrophes) to how often it occurs."
        ),
        "reference": r"""import re


def word_count(text):
    counts = {}
    for word in re.findall(r"[a-z0-9']+", text.lower()):
        counts[word] = counts.get(word, 0) + 1
    return counts
""",
        "tests": r"""def test_counts():
    assert word_count("the cat and the hat") == {"the": 2, "cat": 1, "and": 1, "hat": 1}

def test_case_and_punctuation():
    assert word_count("Go, go! GO.") == {"go": 3}

def test_apostrophes_and_empty():
    assert word_count("don't stop") == {"don't": 1, "stop": 1}
    assert word_count("") == {}
""",
    },
    {
        "id": "flatten",
        "entry_point": "flatten",
        "difficulty": 2,
        "requirement": (
            "Write flatten(items) that flattens arbitrarily nested lists and tuples into one flat"
            " list, keeping order; strings are not split."
        ),
        "reference": r"""def flatten(items):
    out = []
    for item in items:
        if isinstance(item, (list, tuple)):
            out.extend(flatten(item))
        else:
            out.append(item)
    return out
""",
        "tests": r"""def test_nested():
    assert flatten([1, [2, [3, [4]]], 5]) == [1, 2, 3, 4, 5]

def test_tuples_and_strings():
    assert flatten([("a", "bc"), ["d"]]) == ["a", "bc", "d"]

def test_empty():
    assert flatten([]) == []
    assert flatten([[], [[]]]) == []
""",
    },
    {
        "id": "chunk",
        "entry_point": "chunk",
        "difficulty": 1,
        "requirement": (
            "Write chunk(seq, size) splitting a list into consecutive lists of length size (the "
            "last may be shorter); size below 1 raises ValueError."
        ),
        "reference": r"""def chunk(seq, size):
    if size < 1:
        raise ValueError("size must be at least 1")
    return [list(seq[i:i + size]) for i in range(0, len(seq), size)]
""",
        "tests": r"""import pytest

def test_even_and_rest():
    assert chunk([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]

def test_larger_than_list():
    assert chunk([1, 2], 5) == [[1, 2]]
    assert chunk([], 3) == []

def test_bad_size():
    with pytest.raises(ValueError):
        chunk([1], 0)
""",
    },
    {
        "id": "roman",
        "entry_point": "to_roman",
        "difficulty": 2,
        "requirement": (
            "Write to_roman(n) converting an integer 1..3999 to a Roman numeral; anything else "
            "raises ValueError."
        ),
        "reference": r"""def to_roman(n):
    if not isinstance(n, int) or not 1 <= n <= 3999:
        raise ValueError("n must be an int in 1..3999")
    table = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
             (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = []
    for value, letters in table:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)
""",
        "tests": r"""import pytest

def test_small():
    assert [to_roman(i) for i in (1, 4, 9, 14)] == ["I", "IV", "IX", "XIV"]

def test_large():
    assert to_roman(1994) == "MCMXCIV"
    assert to_roman(3999) == "MMMCMXCIX"

def test_out_of_range():
    for bad in (0, 4000, -1):
        with pytest.raises(ValueError):
            to_roman(bad)
""",
    },
    {
        "id": "duration",
        "entry_point": "parse_duration",
        "difficulty": 2,
        "requirement": (
            "Write parse_duration(text) turning strings like '1h30m', '45s' or '2h5s' into a "
            "number of seconds; an empty or malformed string raises ValueError."
        ),
        "reference": r"""import re


def parse_duration(text):
    parts = re.findall(r"(\d+)([hms])", text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise ValueError(f"bad duration {text!r}")
    scale = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * scale[u] for n, u in parts)
""",
        "tests": r"""import pytest

def test_units():
    assert parse_duration("45s") == 45
    assert parse_duration("1h30m") == 5400
    assert parse_duration("2h5s") == 7205

def test_malformed():
    for bad in ("", "10", "1x", "h1"):
        with pytest.raises(ValueError):
            parse_duration(bad)
""",
    },
    {
        "id": "intervals",
        "entry_point": "merge_intervals",
        "difficulty": 2,
        "requirement": (
            "Write merge_intervals(pairs) merging overlapping or touching (start, end) intervals;"
            " return them sorted as a list of tuples."
        ),
        "reference": r"""def merge_intervals(pairs):
    out = []
    for start, end in sorted(pairs):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out
""",
        "tests": r"""def test_overlap():
    assert merge_intervals([(1, 3), (2, 6), (8, 10)]) == [(1, 6), (8, 10)]

def test_touching_and_unsorted():
    assert merge_intervals([(5, 7), (1, 5)]) == [(1, 7)]

def test_contained_and_empty():
    assert merge_intervals([(1, 10), (2, 3)]) == [(1, 10)]
    assert merge_intervals([]) == []
""",
    },
    {
        "id": "rle_encode",
        "entry_point": "rle_encode",
        "difficulty": 1,
        "requirement": (
            "Write rle_encode(text) run-length encoding a string: each run becomes the character "
            "followed by its count, e.g. 'aaab' -> 'a3b1'."
        ),
        "reference": r"""def rle_encode(text):
    out = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        out.append(f"{text[i]}{j - i}")
        i = j
    return "".join(out)
""",
        "tests": r"""def test_runs():
    assert rle_encode("aaab") == "a3b1"
    assert rle_encode("abc") == "a1b1c1"

def test_long_run_and_empty():
    assert rle_encode("z" * 12) == "z12"
    assert rle_encode("") == ""
""",
    },
    {
        "id": "rle_decode",
        "entry_point": "rle_decode",
        "difficulty": 2,
        "requirement": (
            "Write rle_decode(code) inverting run-length encoding: 'a3b1' -> 'aaab'; counts may "
            "have several digits."
        ),
        "reference": r"""import re


def rle_decode(code):
    return "".join(ch * int(n) for ch, n in re.findall(r"(\D)(\d+)", code))
""",
        "tests": r"""def test_decode():
    assert rle_decode("a3b1") == "aaab"
    assert rle_decode("z12") == "z" * 12

def test_empty():
    assert rle_decode("") == ""

def test_round_trip():
    assert rle_decode("x2y10x1") == "xx" + "y" * 10 + "x"
""",
    },
    {
        "id": "median",
        "entry_point": "median",
        "difficulty": 1,
        "requirement": (
            "Write median(values) returning the median of a non-empty list of numbers (the mean "
            "of the two middle values for an even count); an empty list raises ValueError."
        ),
        "reference": r"""def median(values):
    if not values:
        raise ValueError("median of an empty list")
    s = sorted(values)
    mid = len(s) // 2
    if len(s) % 2:
        return s[mid]
    return (s[mid - 1] + s[mid]) / 2
""",
        "tests": r"""import pytest

def test_odd_even():
    assert median([3, 1, 2]) == 2
    assert median([4, 1, 3, 2]) == 2.5

def test_single_and_empty():
    assert median([7]) == 7
    with pytest.raises(ValueError):
        median([])
""",
    },
    {
        "id": "is_prime",
        "entry_point": "is_prime",
        "difficulty": 1,
        "requirement": (
            "Write is_prime(n) returning True when the integer n is prime (negative numbers, 0 "
            "and 1 are not)."
        ),
        "reference": r"""def is_prime(n):
    if n < 2:
        return False
    i = 2
    while i * i <= n:
        if n % i == 0:
            return False
        i += 1
    return True
""",
        "tests": r"""def test_small():
    assert [n for n in range(20) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19]

def test_edges():
    assert not is_prime(-7)
    assert not is_prime(1)
    assert is_prime(7919)
    assert not is_prime(7917)
""",
    },
    {
        "id": "primes_up_to",
        "entry_point": "primes_up_to",
        "difficulty": 2,
        "requirement": (
            "Write primes_up_to(n) returning the sorted list of all primes <= n (a sieve), [] "
            "when n < 2."
        ),
        "reference": r"""def primes_up_to(n):
    if n < 2:
        return []
    sieve = [True] * (n + 1)
    sieve[0] = sieve[1] = False
    for i in range(2, int(n ** 0.5) + 1):
        if sieve[i]:
            for j in range(i * i, n + 1, i):
                sieve[j] = False
    return [i for i, p in enumerate(sieve) if p]
""",
        "tests": r"""def test_small():
    assert primes_up_to(10) == [2, 3, 5, 7]
    assert primes_up_to(2) == [2]

def test_none():
    assert primes_up_to(1) == []

def test_count():
    assert len(primes_up_to(1000)) == 168
""",
    },
    {
        "id": "caesar",
        "entry_point": "caesar",
        "difficulty": 1,
        "requirement": (
            "Write caesar(text, shift) shifting letters by shift places in the alphabet "
            "(wrapping, keeping case); other characters are unchanged."
        ),
        "reference": r"""def caesar(text, shift):
    out = []
    for ch in text:
        if ch.isalpha() and ch.isascii():
            base = ord("A") if ch.isupper() else ord("a")
            out.append(chr(base + (ord(ch) - base + shift) % 26))
        else:
            out.append(ch)
    return "".join(out)
""",
        "tests": r"""def test_shift():
    assert caesar("abc", 1) == "bcd"
    assert caesar("xyz", 3) == "abc"

def test_case_and_punctuation():
    assert caesar("Hello, World!", 13) == "Uryyb, Jbeyq!"

def test_negative_round_trip():
    assert caesar(caesar("Python 3", 5), -5) == "Python 3"
""",
    },
    {
        "id": "anagrams",
        "entry_point": "group_anagrams",
        "difficulty": 2,
        "requirement": (
            "Write group_anagrams(words) grouping words that are anagrams of each other: a list "
            "of groups, each sorted, the groups sorted by their first word."
        ),
        "reference": r"""def group_anagrams(words):
    groups = {}
    for word in words:
        groups.setdefault("".join(sorted(word)), []).append(word)
    return sorted(sorted(g) for g in groups.values())
""",
        "tests": r"""def test_groups():
    got = group_anagrams(["eat", "tea", "tan", "ate", "nat", "bat"])
    assert got == [["ate", "eat", "tea"], ["bat"], ["nat", "tan"]]

def test_empty():
    assert group_anagrams([]) == []
""",
    },
    {
        "id": "two_sum",
        "entry_point": "two_sum",
        "difficulty": 2,
        "requirement": (
            "Write two_sum(nums, target) returning the indices (i, j), i < j, of the first pair "
            "(by j, then i) whose values add up to target, or None."
        ),
        "reference": r"""def two_sum(nums, target):
    seen = {}
    for j, value in enumerate(nums):
        if target - value in seen:
            return (seen[target - value], j)
        seen.setdefault(value, j)
    return None
""",
        "tests": r"""def test_found():
    assert two_sum([2, 7, 11, 15], 9) == (0, 1)
    assert two_sum([3, 2, 4], 6) == (1, 2)

def test_duplicates_and_none():
    assert two_sum([3, 3], 6) == (0, 1)
    assert two_sum([1, 2], 7) is None
""",
    },
    {
        "id": "balanced",
        "entry_point": "balanced",
        "difficulty": 2,
        "requirement": (
            "Write balanced(text) returning True when every (, [ and { in text is closed in the "
            "right order; other characters are ignored."
        ),
        "reference": r"""def balanced(text):
    pairs = {")": "(", "]": "[", "}": "{"}
    stack = []
    for ch in text:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            if not stack or stack.pop() != pairs[ch]:
                return False
    return not stack
""",
        "tests": r"""def test_balanced():
    assert balanced("([]{})")
    assert balanced("f(x[1]) + {y}")
    assert balanced("")

def test_unbalanced():
    assert not balanced("(]")
    assert not balanced("((")
    assert not balanced("())")
""",
    },
    {
        "id": "slugify",
        "entry_point": "slugify",
        "difficulty": 1,
        "requirement": (
            "Write slugify(title) lower-casing a title and joining its runs of letters and digits"
            " with single hyphens, e.g. 'Hello, World!' -> 'hello-world'."
        ),
        "reference": r"""import re


def slugify(title):
    return "-".join(re.findall(r"[a-z0-9]+", title.lower()))
""",
        "tests": r"""def test_basic():
    assert slugify("Hello, World!") == "hello-world"

def test_spaces_and_digits():
    assert slugify("  Top 10   tips ") == "top-10-tips"
    assert slugify("") == ""
""",
    },
    {
        "id": "binary_search",
        "entry_point": "binary_search",
        "difficulty": 2,
        "requirement": (
            "Write binary_search(items, x) returning an index of x in the sorted list items, or "
            "-1 when it is absent."
        ),
        "reference": r"""def binary_search(items, x):
    lo, hi = 0, len(items) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if items[mid] == x:
            return mid
        if items[mid] < x:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1
""",
        "tests": r"""def test_found():
    items = [1, 3, 5, 7, 9, 11]
    assert [binary_search(items, v) for v in items] == [0, 1, 2, 3, 4, 5]

def test_missing():
    assert binary_search([1, 3, 5], 4) == -1
    assert binary_search([], 1) == -1
    assert binary_search([1, 3, 5], 6) == -1
""",
    },
    {
        "id": "transpose",
        "entry_point": "transpose",
        "difficulty": 1,
        "requirement": (
            "Write transpose(matrix) returning the transpose of a rectangular list of lists ([] "
            "for an empty matrix)."
        ),
        "reference": r"""def transpose(matrix):
    if not matrix:
        return []
    return [list(row) for row in zip(*matrix)]
""",
        "tests": r"""def test_square_and_rect():
    assert transpose([[1, 2], [3, 4]]) == [[1, 3], [2, 4]]
    assert transpose([[1, 2, 3]]) == [[1], [2], [3]]

def test_empty():
    assert transpose([]) == []
""",
    },
    {
        "id": "moving_average",
        "entry_point": "moving_average",
        "difficulty": 2,
        "requirement": (
            "Write moving_average(values, k) returning the list of means of each window of k "
            "consecutive values; k must be between 1 and len(values), else ValueError."
        ),
        "reference": r"""def moving_average(values, k):
    if not 1 <= k <= len(values):
        raise ValueError("k out of range")
    total = sum(values[:k])
    out = [total / k]
    for i in range(k, len(values)):
        total += values[i] - values[i - k]
        out.append(total / k)
    return out
""",
        "tests": r"""import pytest

def test_windows():
    assert moving_average([1, 2, 3, 4], 2) == [1.5, 2.5, 3.5]
    assert moving_average([5, 5, 5], 3) == [5.0]

def test_bad_k():
    with pytest.raises(ValueError):
        moving_average([1, 2], 3)
    with pytest.raises(ValueError):
        moving_average([1, 2], 0)
""",
    },
    {
        "id": "dedupe",
        "entry_point": "dedupe",
        "difficulty": 1,
        "requirement": (
            "Write dedupe(items) returning the items without repeats, keeping the first "
            "occurrence of each in order."
        ),
        "reference": r"""def dedupe(items):
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
""",
        "tests": r"""def test_order_kept():
    assert dedupe([3, 1, 3, 2, 1]) == [3, 1, 2]

def test_strings_and_empty():
    assert dedupe(list("banana")) == ["b", "a", "n"]
    assert dedupe([]) == []
""",
    },
    {
        "id": "camel_to_snake",
        "entry_point": "camel_to_snake",
        "difficulty": 2,
        "requirement": (
            "Write camel_to_snake(name) turning CamelCase or camelCase identifiers into "
            "snake_case; runs of capitals stay together, e.g. 'HTTPServerError' -> "
            "'http_server_error'."
        ),
        "reference": r"""import re


def camel_to_snake(name):
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return name.lower()
""",
        "tests": r"""def test_simple():
    assert camel_to_snake("CamelCase") == "camel_case"
    assert camel_to_snake("camelCaseName") == "camel_case_name"

def test_acronyms():
    assert camel_to_snake("HTTPServerError") == "http_server_error"
    assert camel_to_snake("getHTTP") == "get_http"

def test_already_snake():
    assert camel_to_snake("already_snake") == "already_snake"
""",
    },
    {
        "id": "gcd_list",
        "entry_point": "gcd_list",
        "difficulty": 1,
        "requirement": (
            "Write gcd_list(numbers) returning the greatest common divisor of a non-empty list of"
            " integers (always >= 0); an empty list raises ValueError."
        ),
        "reference": r"""def gcd_list(numbers):
    if not numbers:
        raise ValueError("gcd of an empty list")
    result = 0
    for n in numbers:
        a, b = abs(result), abs(n)
        while b:
            a, b = b, a % b
        result = a
    return result
""",
        "tests": r"""import pytest

def test_gcd():
    assert gcd_list([12, 18, 24]) == 6
    assert gcd_list([7, 13]) == 1
    assert gcd_list([-4, 6]) == 2

def test_zero_and_empty():
    assert gcd_list([0, 5]) == 5
    with pytest.raises(ValueError):
        gcd_list([])
""",
    },
)

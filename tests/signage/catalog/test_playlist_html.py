"""The sanitizer keeps the allow-list and reports everything it drops."""

from __future__ import annotations

import pytest

from signage.catalog.markup import sanitize


@pytest.mark.parametrize(
    ("source", "html", "issues"),
    [
        ("<p>Xin <strong>chào</strong></p>", "<p>Xin <strong>chào</strong></p>", []),
        ("<p class='accent big' lang='vi'>A</p>", '<p class="accent big" lang="vi">A</p>', []),
        ("a<br>b<br/>c", "a<br>b<br>c", []),
        ("<p>1 &lt; 2 &amp; 3</p>", "<p>1 &lt; 2 &amp; 3</p>", []),
        ("<ul><li>một<li>hai</ul>", "<ul><li>một<li>hai</li></li></ul>", []),
        ("<h2>Mở", "<h2>Mở</h2>", []),
        (
            "<p>A</p><script>alert(1)</script>B",
            "<p>A</p>B",
            ["1:9 <script> is not allowed in html items"],
        ),
        (
            "<style>p{background:url(http://x)}</style>",
            "",
            ["1:1 <style> is not allowed in html items"],
        ),
        (
            "<p onclick='go()'>A</p>",
            "<p>A</p>",
            ["1:1 event handler 'onclick' on <p> is not allowed"],
        ),
        (
            "<a href='javascript:alert(1)'>A</a>",
            "A",
            ["1:1 <a> is not allowed in html items"],
        ),
        (
            "<p style='background:url(//x)'>A</p>",
            "<p>A</p>",
            ["1:1 attribute 'style' on <p> is not allowed; allowed attributes: class, dir, lang"],
        ),
        ("<img src=http://x/y.png>", "", ["1:1 <img> is not allowed in html items"]),
        (
            "<iframe src=x><p>inside</p></iframe>ok",
            "ok",
            ["1:1 <iframe> is not allowed in html items"],
        ),
        ("<p>A</p>\n<!-- note -->", "<p>A</p>\n", ["2:1 comments (<!-- -->) are not allowed"]),
        ("<p>A</p></div>", "<p>A</p>", ["1:9 </div> closes a tag that is not open"]),
        ("<p class='Big!'>A</p>", "<p>A</p>", ["1:1 class 'Big!' on <p>: use lowercase names"]),
        (
            "<svg><script>x</script></svg>",
            "",
            ["1:1 <svg> is not allowed in html items"],
        ),
    ],
)
def test_sanitize(source: str, html: str, issues: list[str]) -> None:
    result = sanitize(source)
    assert result.html == html
    found = [f"{i.line}:{i.column} {i.message}" for i in result.issues]
    assert len(found) == len(issues), found
    for message, start in zip(found, issues, strict=True):
        assert message.startswith(start)

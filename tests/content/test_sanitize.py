from content.sanitize import render_markdown


def test_markdown_strips_script_tags():
    html = render_markdown("Hello <script>alert(1)</script> world")
    assert "<script" not in html
    assert "Hello" in html


def test_markdown_strips_event_handler_attributes():
    html = render_markdown('<img src=x onerror="alert(1)"> <a href="https://x.org" onclick="evil()">x</a>')
    assert "onerror" not in html
    assert "onclick" not in html


def test_markdown_drops_javascript_links():
    html = render_markdown("[click me](javascript:alert(1)) and <a href='JaVaScRiPt:alert(2)'>two</a>")
    assert "javascript:" not in html.lower()
    assert "click me" in html


def test_markdown_keeps_formatting_tables_and_safe_links():
    html = render_markdown("## Heading\n\n**bold** [site](https://www.hiv.gov/)\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<h2>Heading</h2>" in html
    assert "<strong>bold</strong>" in html
    assert 'href="https://www.hiv.gov/"' in html
    assert "<table>" in html


def test_markdown_block_in_a_page_is_sanitised_on_render(db):
    from content.blocks import MarkdownBlock

    rendered = MarkdownBlock().render("<iframe src='https://evil'></iframe><p onmouseover=x>hi</p>")
    assert "<iframe" not in rendered
    assert "onmouseover" not in rendered

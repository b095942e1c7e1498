"""tools/house_rules.py on small fixtures: each rule catches what it names and lets its stated exceptions pass."""

import textwrap
from pathlib import Path

from tools.house_rules import check_python, check_template, check_tree, main


def rules(violations) -> list[tuple[int, str]]:
    return [(violation.line, violation.rule) for violation in violations]


def py(source: str, rel: str = "curricula/services.py"):
    return check_python(rel, textwrap.dedent(source))


# ---- safe ----------------------------------------------------------------------------------------------------


def test_safe_on_plain_text_is_flagged_with_its_line():
    text = "<h1>{{ page.title }}</h1>\n<div>{{ page.body|safe }}</div>\n<p>{{ page.intro|linebreaks|safe }}</p>\n"
    found = check_template("templates/content/page.html", text)
    assert rules(found) == [(2, "safe"), (3, "safe")]
    assert "page.body|safe" in str(found[0])
    assert str(found[0]).startswith("templates/content/page.html:2: [safe]")


def test_safe_after_the_sanitising_filter_passes_and_safe_in_a_string_is_not_a_filter():
    text = '{{ page.body|markdown|safe }}\n{% trans "a|safe b" %}\n{{ value|default:"x|safe" }}\n{{ safe_count }}\n'
    assert check_template("templates/x.html", text) == []


def test_safeseq_filter_tag_and_autoescape_off_are_flagged():
    text = (
        "{{ items|safeseq|join:', ' }}\n"
        "{% filter force_escape|safe %}x{% endfilter %}\n"
        "{% autoescape off %}y{% endautoescape %}\n"
    )
    assert rules(check_template("templates/x.html", text)) == [(1, "safe"), (2, "safe"), (3, "safe")]


def test_mark_safe_only_in_the_allowlisted_sanitisers():
    source = """
        from django.utils.safestring import mark_safe

        def render_inline(text):
            return mark_safe(text)

        def other(text):
            return mark_safe(text)
        """
    assert rules(py(source, rel="content/blocks.py")) == [(5, "safe"), (8, "safe")]
    assert rules(py(source, rel="assessments/presenters.py")) == [(8, "safe")]
    assert py(source, rel="content/sanitize.py") == []


# ---- save ----------------------------------------------------------------------------------------------------


def test_full_save_on_a_hot_path_is_flagged_and_update_fields_passes():
    source = """
        def complete(*, progress):
            progress.completed = True
            progress.save()
            progress.save(update_fields=["completed"])
        """
    found = py(source)
    assert rules(found) == [(4, "save")]
    assert "progress.save() in complete()" in found[0].message


def test_creation_save_force_insert_why_and_file_saves_pass():
    source = """
        def issue(*, learner, pdf):
            certificate = Certificate(learner=learner)
            certificate.code = "X"
            certificate.save()
            certificate.pdf.save("x.pdf", pdf, save=False)
            other = models.Certificate(learner=learner)
            other.save(force_insert=True)
            learner.save()  # why: a new account, every column is ours
            # why: the form owns every field it shows
            form.save()
        """
    assert py(source) == []


def test_a_second_full_save_of_a_new_object_is_an_update_and_is_flagged():
    source = """
        def issue(*, learner):
            certificate = Certificate(learner=learner)
            certificate.save()
            certificate.code = "X"
            certificate.save()
            for certificate in learner.certificates.all():
                certificate.save()
        """
    assert rules(py(source)) == [(6, "save"), (8, "save")]


def test_save_rule_only_on_hot_path_modules():
    source = """
        def f(*, obj):
            obj.save()
        """
    assert rules(py(source, rel="agencies/services.py")) == [(3, "save")]
    assert rules(py(source, rel="certificates/services/issue.py")) == [(3, "save")]
    assert rules(py(source, rel="assessments/flows.py")) == [(3, "save")]
    assert py(source, rel="agencies/views.py") == []
    assert py(source, rel="curricula/models.py") == []
    assert py(source, rel="accounts/services.py") == []


# ---- import --------------------------------------------------------------------------------------------------


def test_function_level_import_needs_a_why_comment():
    source = """
        import os


        def a():
            from certificates.models import Certificate
            return Certificate


        def b():
            # why: certificates imports curricula back
            from certificates.models import Certificate
            from certificates.services import issue
            x = 1
            from certificates.tasks import render
            return Certificate, issue, render, x


        def c():
            import reportlab  # why: 40 ms to import, only the PDF export needs it

            def inner():
                import json
                return json
            return reportlab, inner
        """
    found = py(source, rel="accounts/views.py")
    assert rules(found) == [(6, "import"), (15, "import"), (23, "import")]
    assert "'from certificates.models import Certificate' inside a()" in found[0].message
    assert "inside inner()" in found[2].message


def test_a_why_comment_further_above_does_not_count():
    source = """
        def a():
            # why: not about the import below
            x = 1
            import json
            return json, x
        """
    assert rules(py(source, rel="accounts/views.py")) == [(5, "import")]


# ---- the tree ------------------------------------------------------------------------------------------------


def test_tree_walk_reads_apps_and_html_templates_only(tmp_path: Path, capsys):
    (tmp_path / "curricula" / "migrations").mkdir(parents=True)
    (tmp_path / "curricula" / "__init__.py").write_text("")
    (tmp_path / "curricula" / "services.py").write_text("def f(*, x):\n    x.save()\n")
    (tmp_path / "curricula" / "migrations" / "0001.py").write_text("def f():\n    import os\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "tests" / "test_x.py").write_text("def f():\n    import os\n")
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "a.html").write_text("{{ x|safe }}")
    (tmp_path / "templates" / "email.txt").write_text("{% autoescape off %}{{ x }}{% endautoescape %}")

    assert [str(v) for v in check_tree(tmp_path)] == [
        "curricula/services.py:2: [save] x.save() in f() on a hot path: name update_fields "
        "(or say '# why:' a full save is right)",
        "templates/a.html:1: [safe] |safe on unsanitised text in '{{ x|safe }}': use a sanitising filter "
        "(markdown) instead",
    ]
    assert main(["house_rules", str(tmp_path)]) == 1
    assert "curricula/services.py:2: [save]" in capsys.readouterr().out

    (tmp_path / "curricula" / "services.py").write_text("def f(*, x):\n    x.save(update_fields=['a'])\n")
    (tmp_path / "templates" / "a.html").write_text("{{ x|markdown }}")
    assert main(["house_rules", str(tmp_path)]) == 0

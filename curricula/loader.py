"""Loads content/source/curricula/<CODE>/ into CatalogPage -> CurriculumPage -> ModulePage -> LessonPage."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from wagtail.models import Page

from agencies.models import ServiceCategory
from competencies.loader import load_competencies
from competencies.models import Competency
from content.source_files import (
    SOURCE_DIR,
    SourceError,
    body_blocks,
    file_digest,
    read_doc,
    read_yaml,
)
from content.upsert import (
    LoadReport,
    doc_fields,
    translate_doc_page,
    translate_yaml_page,
    translation_locales,
    upsert_page,
    upsert_translation,
)

from .models import CatalogPage, CurriculumPage, LessonPage, ModulePage


def load_curricula(home: Page, references: dict, report: LoadReport) -> None:
    catalog_source = SOURCE_DIR / "catalog.yaml"
    meta = read_yaml(catalog_source)

    def catalog_fields(data: dict) -> dict:
        return {"title": data["title"], "intro": data.get("intro", "")}

    catalog = upsert_page(
        home,
        CatalogPage,
        slug="curricula",
        digest=file_digest(catalog_source),
        report=report,
        fields=catalog_fields(meta),
    )
    translate_yaml_page(catalog, catalog_source, meta, catalog_fields, report)
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    framework = load_competencies(references, report)
    for folder in sorted(p for p in (SOURCE_DIR / "curricula").iterdir() if p.is_dir()):
        load_curriculum(folder, catalog, categories, references, report, framework=framework)


def competencies_named(codes: Any, framework: dict[str, Competency], where: str) -> list[Competency]:
    """The framework competencies a source file names by code; an unknown code stops the load."""
    if not isinstance(codes, list) or not codes:
        raise SourceError(f"{where}: competencies must be a list of framework codes (content/source/competencies.yaml)")
    unknown = [str(code) for code in codes if code not in framework]
    if unknown:
        raise SourceError(f"{where}: unknown competency code(s) {', '.join(unknown)} (see competencies.yaml)")
    return [framework[code] for code in dict.fromkeys(codes)]


def load_curriculum(
    folder,
    catalog: CatalogPage,
    categories: dict,
    references: dict,
    report: LoadReport,
    *,
    framework: dict[str, Competency],
) -> CurriculumPage:
    """One curriculum with its modules and lessons. The curriculum and every lesson name their framework
    competencies by code, and each competency the curriculum claims is taught by at least one of its lessons."""
    spec_path = folder / "curriculum.yaml"
    spec = read_yaml(spec_path)
    claimed = competencies_named(spec.get("competencies"), framework, str(spec_path))
    taught: set[str] = set()
    unknown = set(spec.get("audience_categories", [])) - set(categories)
    if unknown:
        raise SourceError(f"{spec_path}: unknown service categories {sorted(unknown)}")

    def curriculum_fields(spec: dict) -> dict:
        return {
            "title": spec["title"],
            "code": spec["code"],
            "summary": spec["summary"].strip(),
            "audience_roles": spec.get("audience_roles", []),
            "competencies": claimed,
            "credit_hours": Decimal(str(spec.get("credit_hours", 1))),
            "estimated_minutes": int(spec.get("estimated_minutes", 60)),
            "recertification_months": int(spec.get("recertification_months", 0)),
            "search_description": spec["summary"].strip()[:250],
        }

    def module_fields(module_spec: dict) -> dict:
        return {"title": module_spec["title"], "summary": (module_spec.get("summary") or "").strip()}

    curriculum = upsert_page(
        catalog,
        CurriculumPage,
        slug=spec["code"].lower(),
        digest=file_digest(spec_path),
        report=report,
        fields=curriculum_fields(spec),
    )
    wanted = [categories[code] for code in spec.get("audience_categories", [])]
    if set(curriculum.audience_categories.all()) != set(wanted):
        curriculum.audience_categories.set(wanted)
        curriculum.save_revision().publish()
    translated_specs = translate_yaml_page(curriculum, spec_path, spec, curriculum_fields, report)
    for index, module_spec in enumerate(spec["modules"]):
        module = upsert_page(
            curriculum,
            ModulePage,
            slug=module_spec["slug"],
            digest=file_digest(spec_path),
            report=report,
            fields=module_fields(module_spec),
        )
        for locale in translation_locales():
            found = translated_specs.get(locale.language_code)
            if found is not None:
                upsert_translation(
                    module,
                    locale=locale,
                    digest=found["digest"],
                    fields=module_fields(found["data"]["modules"][index]),
                    report=report,
                )
        for name in module_spec["lessons"]:
            path = folder / "lessons" / f"{name}.md"
            if not path.exists():
                raise SourceError(f"{spec_path}: lesson file {path.name} does not exist")
            doc = read_doc(path)
            lesson_competencies = competencies_named(doc.meta.get("competencies"), framework, str(path))
            taught.update(c.code for c in lesson_competencies)

            def lesson_fields(doc, lesson_competencies=lesson_competencies) -> dict:
                body = body_blocks(doc.body, path=doc.path)
                if doc.meta.get("key_points"):
                    title = gettext("Key points")
                    body.append(("key_points", {"title": title, "points": list(doc.meta["key_points"])}))
                return doc_fields(
                    doc,
                    references=references,
                    summary_key="summary",
                    body=body,
                    estimated_minutes=int(doc.meta.get("estimated_minutes", 15)),
                    required=bool(doc.meta.get("required", True)),
                    competencies=lesson_competencies,
                )

            lesson = upsert_page(
                module, LessonPage, slug=doc.meta["slug"], digest=doc.digest, fields=lesson_fields(doc), report=report
            )
            translate_doc_page(lesson, doc, lesson_fields, report)
    untaught = [c.code for c in claimed if c.code not in taught]
    if untaught:
        raise SourceError(f"{spec_path}: no lesson teaches competency {', '.join(untaught)} (lesson front matter)")
    return curriculum

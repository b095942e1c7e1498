# ruff: noqa: E501  (the stored texts are quoted exactly, whole)
"""The free-text competencies used before the framework existed, mapped to framework codes.

Frozen: the data migrations of curricula and assessments read it to turn stored texts into references. A
text not listed here becomes a new competency coded LEGACY-<n> (its row keeps the text as description)."""

from __future__ import annotations

from typing import Any

# text -> (code, short name, domain)
LEGACY: dict[str, tuple[str, str, str]] = {
    "Explain the purpose and intended outcomes of HIV case management in a Ryan White-funded agency": (
        "SC-1",
        "Purpose of case management",
        "service-categories",
    ),
    "Distinguish Medical Case Management from Non-Medical Case Management by objective, key activities and who provides them": (
        "SC-2",
        "MCM and NMCM",
        "service-categories",
    ),
    "Identify the plan each service requires (Comprehensive Treatment Plan or Individual Service Plan) and re-evaluate it at least every six months": (
        "SC-3",
        "CTP and ISP",
        "service-categories",
    ),
    "Document client contacts so that each one links to a plan goal and is reported under the correct service category": (
        "SC-4",
        "Documentation and reporting",
        "service-categories",
    ),
    "Describe each step of the case-management process from intake to case closure and what each step should produce": (
        "CP-1",
        "Steps from intake to closure",
        "process",
    ),
    "Turn an assessment into a service plan and follow referrals through until the client is actually connected to the service": (
        "CP-2",
        "Plans and referrals",
        "process",
    ),
    "Recognise when a client needs crisis intervention, a case conference, reassessment or case closure, and document each appropriately": (
        "CP-3",
        "Crisis, conference, reassessment, closure",
        "process",
    ),
    "Match a client to comprehensive or supportive case management, and recognise other common models, based on needs and readiness": (
        "CP-4",
        "Case management models",
        "process",
    ),
    "Apply the core principles of case management, including client-centred care, equity, advocacy, cultural humility and shared decision making": (
        "CP-5",
        "Principles of practice",
        "process",
    ),
    "Describe the spirit of motivational interviewing (partnership, acceptance, compassion, evocation) and show it in client conversations": (
        "MI-1",
        "The spirit of MI",
        "motivational-interviewing",
    ),
    "Use open questions, affirmations, reflections and summaries (OARS) to draw out a client's own reasons for change": (
        "MI-2",
        "OARS skills",
        "motivational-interviewing",
    ),
    "Tell change talk from sustain talk and respond in ways that strengthen change talk without arguing": (
        "MI-3",
        "Change talk and sustain talk",
        "motivational-interviewing",
    ),
    "Identify a client's stage of change for a specific behaviour and choose a response that fits that stage": (
        "MI-4",
        "Stages of change",
        "motivational-interviewing",
    ),
    "Apply MI and the stages of change to HIV treatment adherence, appointment keeping and substance use": (
        "MI-5",
        "MI in HIV care",
        "motivational-interviewing",
    ),
    "Explain why the CCM/S position exists and identify the three situations in which clinical case management is warranted": (
        "CS-1",
        "Why the CCM/S role exists",
        "clinical-supervision",
    ),
    "Describe how a CCM/S supports a team through consultation, case conferencing, supervision, training and short-term direct work with clients and families": (
        "CS-2",
        "How the CCM/S supports a team",
        "clinical-supervision",
    ),
    "Recognize client circumstances and crises that call for CCM/S guidance and respond within agency procedures": (
        "CS-3",
        "Crises needing CCM/S guidance",
        "clinical-supervision",
    ),
    "Distinguish clinical case management from counseling or therapy and document each intervention against a service plan goal": (
        "CS-4",
        "Not counselling or therapy",
        "clinical-supervision",
    ),
    "Explain the limits of confidentiality around mandated reporting, duty to warn and plans of safe care notifications, and consult the CCM/S as agency procedures require": (
        "CS-5",
        "Limits of confidentiality",
        "clinical-supervision",
    ),
    "Compare the four case management models in TIP 27 (broker/generalist, strengths perspective, assertive community treatment, clinical/rehabilitation) and recognize which fits a setting": (
        "SU-1",
        "The four TIP 27 models",
        "substance-use",
    ),
    "Apply the NMCM-SUD service definition, including what may and may not be billed and that treatment may never be a condition of receiving services": (
        "SU-2",
        "The NMCM-SUD definition",
        "substance-use",
    ),
    "Use screening, brief intervention and referral to treatment (SBIRT), motivational interviewing and the stages of change to encourage, without requiring, entry into substance use treatment, drawing on the core competencies of a substance use case manager": (
        "SU-3",
        "SBIRT and engagement",
        "substance-use",
    ),
    "Provide harm reduction and overdose prevention information and tools, including naloxone, as part of routine case management": (
        "SU-4",
        "Harm reduction and overdose",
        "substance-use",
    ),
    "Plan accompaniment, referral follow-up and treatment transitions that respond to clients' needs, including the gender-specific needs of women who use drugs, and the programme arrangements that support them (one-stop services, MOUs with partners, monthly case-manager meetings)": (
        "SU-5",
        "Accompaniment and transitions",
        "substance-use",
    ),
    "Explain the medications for opioid use disorder (buprenorphine, methadone, naltrexone), including why they are recommended in pregnancy, support clients' access to them, and help a family through a plan of safe care": (
        "SU-6",
        "Medications for OUD",
        "substance-use",
    ),
    "State the federal benchmark for linkage to HIV care and the national target of at least 95 percent linked, and explain why timely linkage matters for health and prevention": (
        "LR-1",
        "Linkage benchmark",
        "linkage-retention",
    ),
    "Use active linkage strategies, such as accompaniment, intake before the first medical visit and outreach after a missed first appointment": (
        "LR-2",
        "Active linkage",
        "linkage-retention",
    ),
    "Identify barriers to retention and adherence, including transportation, housing, stigma, mental health, substance use and insurance, and address them in the care plan": (
        "LR-3",
        "Barriers to retention",
        "linkage-retention",
    ),
    "Support clients' treatment adherence toward viral suppression and explain Undetectable = Untransmittable accurately": (
        "LR-4",
        "Adherence and U=U",
        "linkage-retention",
    ),
    "Find and re-engage clients who have fallen out of care, and document those efforts before closing a case": (
        "LR-5",
        "Re-engagement",
        "linkage-retention",
    ),
}


def competency_for_text(competency_model: Any, text: str, cache: dict[str, Any]) -> Any:
    """The competency row for a stored text (created on the spot if the framework was not loaded yet).

    `competency_model` is the historical model a migration passes in."""
    text = (text or "").strip()
    if not text:
        return None
    if text in cache:
        return cache[text]
    row = competency_model.objects.filter(description=text).first()
    if row is None and text in LEGACY:
        code, short_name, domain = LEGACY[text]
        row = competency_model.objects.filter(code=code).first() or competency_model.objects.create(
            code=code, short_name=short_name, domain=domain, description=text, position=list(LEGACY).index(text)
        )
    if row is None:
        number = competency_model.objects.filter(code__startswith="LEGACY-").count() + 1
        row = competency_model.objects.create(
            code=f"LEGACY-{number}", short_name=text[:80], domain="process", description=text, position=1000 + number
        )
    cache[text] = row
    return row

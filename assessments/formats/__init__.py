"""Question bank formats coordinators already have (Moodle XML, GIFT), read into and written from plain drafts.

Nothing here touches the database: `draft` describes questions as data, `gift` and `moodle_xml` parse a file
into drafts with line-numbered problems and write drafts back out. Saving drafts is `assessments.admin_authoring`.
"""

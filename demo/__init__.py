"""The casebook's demo data (seed/000_…txt): the 2022 sessions of 草加市 and 苫小牧市, their
programs and lecturers, pre-work and questionnaire answers, attendance and engagements,
plus upcoming events — as data tables in each module and one loader (`demo.loader.load`,
`manage.py load_demo`). The top layer: it reads and writes every app below it.
"""

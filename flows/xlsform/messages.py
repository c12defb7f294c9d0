"""What the XLSForm reader says when it refuses a form: each names the fix, in English msgids.

The dashboard and the command line show them translated (`flows.xlsform.describe`).
"""

from i18n import N_

NO_SURVEY = N_(
    "The spreadsheet has no sheet named “survey”. XLSForm puts the questions on a sheet called "
    "survey, one question per row."
)
NO_TYPE_COLUMN = N_("The survey sheet needs a column named “type” with each row's question type.")
NO_QUESTIONS = N_("The survey sheet has no questions. Add at least one row with a type and a name.")
UNKNOWN_TYPE = N_(
    "Minga does not know the type “{type}”. Use select_one, select_multiple, integer, decimal, "
    "text, note, date, range, or begin group / end group."
)
REPEAT = N_(
    "Repeat groups are not supported: in a chat each question is asked once. Ask the questions "
    "once, or make one form for each repeated item."
)
CALCULATE = N_(
    "Calculations are not supported. Remove this row; to score answers, use range questions with "
    "minga::dimension."
)
SENSOR = N_(
    "“{type}” questions need a phone's camera, microphone, location or files, which Minga cannot "
    "ask for in a chat. Remove this row, or ask for a description with a text question."
)
NOT_IN_CHAT = N_(
    "“{type}” questions are not supported in a chat. Remove this row, or use select_one, "
    "select_multiple, text, integer or date instead."
)
NO_LIST = N_(
    "Write the name of the choices list after the type, for example “{type} yes_no”, and list its "
    "options on the choices sheet."
)
MISSING_LIST = N_(
    "The list “{list}” is not on the choices sheet. Add its options there with list_name "
    "“{list}”, or correct the name here."
)
NO_NAME = N_(
    "This question needs a name: a short word of letters, digits and _ that starts with a letter."
)
BAD_NAME = N_(
    "“{name}” cannot be a name. Use letters, digits and _ only, starting with a letter (for "
    "example: {suggestion})."
)
DUPLICATE_NAME = N_(
    "The name “{name}” is already used in row {other}. Give each question its own name."
)
NO_LABEL = N_("This question has no text in any language. Write it in a label column.")
NO_CHOICE_NAME = N_("This option needs a name (the value stored when someone picks it).")
DUPLICATE_CHOICE = N_(
    "The list “{list}” has the option “{name}” twice. Give each option of a list its own name."
)
NO_CHOICE_LABEL = N_(
    "The option “{name}” of the list “{list}” has no label in any language. Write its label in "
    "at least one label column."
)
BAD_RELEVANT = N_(
    "Minga does not understand this condition ({problem}). Write comparisons like ${{q}} = 'x', "
    "${{q}} > 3 or selected(${{q}}, 'x'), joined with and, or, not(…)."
)
UNKNOWN_REFERENCE = N_(
    "“${{{name}}}” is not a question above this row. Check the spelling, or move this row below "
    "the question it depends on."
)
BAD_CONSTRAINT = N_(
    "Minga understands a range here, like “. >= 0 and . <= 120”. Write the constraint that way, "
    "or leave the cell empty."
)
CONSTRAINT_TYPE = N_(
    "Minga checks constraints on integer and decimal questions only. Leave this cell empty."
)
BAD_RANGE = N_(
    "A range is asked as a scale from 1 to 5. Write “start=1 end=5 step=1” in parameters, or "
    "leave it empty."
)
UNCLOSED_GROUP = N_(
    "The group “{name}” has no end group. Add a row with type end group after its last question."
)
STRAY_END = N_(
    "This end group has no begin group above it. Remove the row, or add the begin group."
)
NOT_SCALE = N_(
    "Only range questions (a scale from 1 to 5) are scored. Use type range on this row, or "
    "empty minga::dimension."
)
UNKNOWN_DIMENSION = N_(
    "The dimension “{name}” is not on the dimensions sheet. Add it there, or correct the name."
)
UNSCORED_DIMENSION = N_(
    "No question scores the dimension “{name}”. Put minga::dimension = {name} on at least one "
    "range question, or remove this row."
)
DIMENSION_TEXTS = N_(
    "The dimension “{name}” needs a label and a suggestion in at least one language."
)
BAD_CELL = N_("This cell cannot be read ({problem}). Correct it or leave it empty.")
BAD_KIND = N_("minga::kind must be one of: {kinds}.")
FLOW_PROBLEM = N_("{problem}")

"""The pieces every request and document model shares: strokes, names, labels, strictness."""

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Point = Annotated[list[FiniteFloat], Field(min_length=2, max_length=3)]
Stroke = list[Point]
StrokeList = Annotated[
    list[Stroke], Field(description="strokes, each a list of [x, y] or [x, y, t]")
]
NAME_MAX = 64  # a recognizer's name; the page's fields take their maxlength from these two
LABEL_MAX = 32
RecognizerName = Annotated[str, StringConstraints(pattern=rf"^[a-z0-9_-]{{1,{NAME_MAX}}}$")]
GridSize = Annotated[int, Field(ge=4, le=64)]


def _printable(label: str) -> str:
    """Refuse control and format characters: they hide in the page and break file names."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in label):
        raise ValueError("label must not contain control or invisible characters")
    return label


Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=LABEL_MAX),
    AfterValidator(_printable),
]


class Strict(BaseModel):
    """Unknown fields are a mistake worth telling the client about."""

    model_config = ConfigDict(extra="forbid")

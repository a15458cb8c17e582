import pytest
from kserve.errors import InvalidInput
from kserve.protocol.infer_type import InferInput, InferRequest

from nivesh.catalog import Limits
from nivesh.serving.v2 import TensorSpec, columns

LIMITS = Limits()
SPECS = [
    TensorSpec("user_id", "BYTES"),
    TensorSpec("loan_amnt", "FP64"),
    TensorSpec("loan_int_rate", "FP64", True),
]


def _req(*inputs: InferInput) -> InferRequest:
    return InferRequest(model_name="credit-risk", infer_inputs=list(inputs))


def _good() -> list[InferInput]:
    return [
        InferInput("user_id", [2], "BYTES", ["U1", "U2"]),
        InferInput("loan_amnt", [2], "FP64", [1000.0, 2000]),
        InferInput("loan_int_rate", [2], "FP64", [12.0, None]),
    ]


def test_valid_request_gives_named_columns() -> None:
    cols = columns(_req(*_good()), SPECS, LIMITS)
    assert cols == {
        "user_id": ["U1", "U2"],
        "loan_amnt": [1000.0, 2000],
        "loan_int_rate": [12.0, None],
    }


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (None, "loan_int_rate: missing input"),
        (InferInput("loan_amnt", [2], "BYTES", ["a", "b"]), "loan_amnt: datatype must be numeric"),
        (InferInput("loan_amnt", [2], "FP64", ["a", 1.0]), "loan_amnt: expected numbers"),
        (InferInput("loan_amnt", [3], "FP64", [1.0, 2.0]), "loan_amnt: shape says 3"),
        (
            InferInput("loan_amnt", [1, 2], "FP64", [1.0, 2.0]),
            "loan_amnt: shape [1, 2] not allowed",
        ),
        (InferInput("loan_amnt", [1], "FP64", [1.0]), "loan_amnt: has 1 values"),
        (InferInput("user_id", [2], "BYTES", ["U1", None]), "user_id: null value"),
        (InferInput("user_id", [2], "FP64", [1.0, 2.0]), "user_id: datatype must be BYTES"),
    ],
)
def test_bad_input_names_the_field(replace: InferInput | None, message: str) -> None:
    inputs = _good()
    if replace is None:
        inputs = inputs[:2]
    else:
        inputs = [replace if i.name == replace.name else i for i in inputs]
    with pytest.raises(InvalidInput, match=message.replace("[", r"\[").replace("]", r"\]")):
        columns(_req(*inputs), SPECS, LIMITS)


def test_an_optional_input_may_be_left_out_but_not_sent_wrong() -> None:
    specs = [TensorSpec("question", "BYTES"), TensorSpec("user_id", "BYTES", nullable=True, optional=True)]
    asked = InferRequest(
        model_name="m", infer_inputs=[InferInput(name="question", shape=[1], datatype="BYTES", data=["hi"])]
    )
    assert columns(asked, specs, LIMITS) == {"question": ["hi"]}
    wrong = InferRequest(
        model_name="m",
        infer_inputs=[
            InferInput(name="question", shape=[1], datatype="BYTES", data=["hi"]),
            InferInput(name="user_id", shape=[2], datatype="BYTES", data=["U1", None]),
        ],
    )
    with pytest.raises(InvalidInput, match="user_id: has 2 values but question has 1"):
        columns(wrong, specs, LIMITS)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), 1e39, 10**400, -(10**400)])
def test_numbers_a_model_cannot_score_are_refused_without_echoing_them(value: float) -> None:
    inputs = [InferInput("loan_amnt", [2], "FP64", [1.0, value]) if i.name == "loan_amnt" else i for i in _good()]
    with pytest.raises(InvalidInput, match=r"loan_amnt: expected a finite number .* \(row 1\)") as caught:
        columns(_req(*inputs), SPECS, LIMITS)
    assert repr(value) not in str(caught.value)


def test_a_wrong_value_is_named_by_its_kind_and_row_not_echoed() -> None:
    secret = "ABCDE1234F"  # a PAN sent where a number belongs
    inputs = [InferInput("loan_amnt", [2], "FP64", [1.0, secret]) if i.name == "loan_amnt" else i for i in _good()]
    with pytest.raises(InvalidInput) as caught:
        columns(_req(*inputs), SPECS, LIMITS)
    assert str(caught.value) == "loan_amnt: expected numbers, got str (row 1)" and secret not in str(caught.value)


def test_an_input_sent_twice_no_rows_or_too_many_rows_are_refused() -> None:
    twice = [*_good(), InferInput("loan_amnt", [2], "FP64", [9.0, 9.0])]
    with pytest.raises(InvalidInput, match="loan_amnt: sent more than once"):  # never last-wins
        columns(_req(*twice), SPECS, LIMITS)
    empty = [InferInput(i.name, [0], i.datatype, []) for i in _good()]
    with pytest.raises(InvalidInput, match="user_id: no values"):
        columns(_req(*empty), SPECS, LIMITS)
    many = [
        InferInput("user_id", [3], "BYTES", ["U1"] * 3),
        InferInput("loan_amnt", [3], "FP64", [1.0] * 3),
        InferInput("loan_int_rate", [3], "FP64", [1.0] * 3),
    ]
    with pytest.raises(InvalidInput, match=r"user_id: 3 rows; at most 2 per request \(use the batch pipeline\)"):
        columns(_req(*many), SPECS, Limits(max_rows=2, beyond="use the batch pipeline"))


def test_a_value_longer_than_the_models_limit_is_refused_by_its_length_not_echoed() -> None:
    """A category or an id is short; a megabyte in one is a 400 before any lookup or model."""
    long = [InferInput("user_id", [2], "BYTES", ["U1", "secret-" + "x" * 300]), *_good()[1:]]
    with pytest.raises(InvalidInput, match="user_id: row 1 has 307 characters; at most 256") as caught:
        columns(_req(*long), SPECS, LIMITS)
    assert "secret" not in str(caught.value)
    assert columns(_req(*long), SPECS, Limits(max_value_chars=400))["user_id"][1].startswith("secret")

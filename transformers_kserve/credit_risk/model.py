"""credit-risk transformer: the user's stored profile (credit_risk_v1) + the loan asked for."""

from nivesh.catalog import CREDIT_RISK
from nivesh.data import credit_risk as cr
from nivesh.serving.feast_transformer import Assembly

ASSEMBLY = Assembly(
    spec=CREDIT_RISK,
    schema=cr.CREDIT_RISK_SCHEMA,
    assemble=cr.assemble_columns,
)

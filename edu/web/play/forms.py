from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, RadioField
from wtforms.validators import DataRequired, InputRequired, Optional


class StepForm(FlaskForm):
    """Carries the step the learner saw, so a stale or replayed post is recognised."""

    step = IntegerField(validators=[InputRequired()])


class DecisionForm(StepForm):
    option = RadioField(
        "Your choice", validators=[DataRequired("Choose one option first.")], choices=[]
    )


class StartForm(FlaskForm):
    course_id = IntegerField(validators=[Optional()])
    mode = HiddenField(default="practice")
    restart = HiddenField(default="")

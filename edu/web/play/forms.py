from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, Optional


class PlayForm(FlaskForm):
    """A play-page post. Its CSRF token is checked once, by ``CSRFProtect`` before the view
    (it guards every POST of the app), not a second time by the form: a decision is the
    hottest write in edu and the second check cost a signature verification each time."""

    class Meta:
        csrf = False


class StepForm(PlayForm):
    """Carries the step the learner saw, so a stale or replayed post is recognised."""

    step = IntegerField(validators=[InputRequired()])


class StartForm(PlayForm):
    course_id = IntegerField(validators=[Optional()])
    mode = HiddenField(default="practice")
    restart = HiddenField(default="")

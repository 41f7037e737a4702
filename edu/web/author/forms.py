"""Forms of the authoring area."""

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, EmailField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from edu.cases import MAX_FILE_BYTES


class EditorForm(FlaskForm):
    """The Markdown editor. Which button was pressed arrives as ``action`` (check/save/publish)."""

    content = TextAreaField(
        "Case text (Markdown)",
        validators=[DataRequired(), Length(max=MAX_FILE_BYTES)],
        render_kw={"spellcheck": "false", "autocapitalize": "off", "wrap": "off"},
    )


class VersionForm(FlaskForm):
    """A POST that acts on one version (publish, restore)."""

    version = HiddenField(validators=[DataRequired()])


class UploadForm(FlaskForm):
    files = MultipleFileField(
        "Markdown files (.md)",
        validators=[DataRequired(message="Choose at least one .md file.")],
        description=f"One or more case files, at most {MAX_FILE_BYTES // 1024} KiB each.",
        render_kw={"accept": ".md,text/markdown"},
    )
    publish_clean = BooleanField("Publish each file that passes lint", default=True)


class CoauthorForm(FlaskForm):
    email = EmailField("Co-author's email", validators=[DataRequired(), Email(), Length(max=254)])


class RemoveCoauthorForm(FlaskForm):
    user_id = HiddenField(validators=[DataRequired()])


class AnalyticsFilterForm(FlaskForm):
    """GET filters; no CSRF token (reading is safe and the URL can be shared)."""

    class Meta:
        csrf = False

    course = SelectField("Course", coerce=str, validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])


class GuidelineChangeForm(FlaskForm):
    class Meta:
        csrf = False

    old = SelectField("From version", validators=[DataRequired()])
    new = SelectField("To version", validators=[DataRequired()])


class RescoreForm(FlaskForm):
    version = HiddenField(validators=[DataRequired()])

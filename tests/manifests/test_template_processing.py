"""OpenShift's template-processing rules, as `seldon-s2i template process` implements them.

Checks: ${X} inside strings; ${{X}} as a JSON value (and the string fallback), a field set to null removed; unknown
references left alone; generated values (fresh each time, matching the expression);
supplied values beating defaults and generators; required parameters; unknown
parameters; literal namespaces stripped, parameterised ones kept; template labels on
every object; the message substituted; malformed templates rejected clearly.
"""

from __future__ import annotations

import re
import string
from typing import Any

import pytest
from seldon_s2i.openshift import expressions, templates


def template(objects: list[dict[str, Any]], parameters: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"apiVersion": "template.openshift.io/v1", "kind": "Template", "metadata": {"name": "t"},
            "objects": objects, "parameters": parameters, **extra}


def config_map(data: dict[str, Any], **metadata: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm", **metadata}, "data": data}


def test_string_references_are_replaced_inside_strings_and_keys() -> None:
    source = template(
        [config_map({"url": "http://${HOST}:${PORT}/x", "${HOST}-key": "${HOST}"})],
        [{"name": "HOST", "value": "example"}, {"name": "PORT", "value": "9000"}],
    )
    data = templates.process(source).objects[0]["data"]
    assert data == {"url": "http://example:9000/x", "example-key": "example"}


def test_value_references_become_json_values() -> None:
    source = template(
        [{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "x"},
          "spec": {"replicas": "${{N}}", "enabled": "${{ON}}", "ref": "${{REF}}", "text": "${{WORD}}",
                   "quoted": "${N}", "mixed": "n=${{N}}"}}],
        [{"name": "N", "value": "3"}, {"name": "ON", "value": "true"}, {"name": "REF", "value": '{"name": "git"}'},
         {"name": "WORD", "value": "not json"}],
    )
    spec = templates.process(source).objects[0]["spec"]
    assert spec["replicas"] == 3
    assert spec["enabled"] is True
    assert spec["ref"] == {"name": "git"}
    assert spec["text"] == "not json"  # not valid JSON: stays a string, as in oc
    assert spec["quoted"] == "3"  # ${N} always gives a string
    assert spec["mixed"] == "n=${{N}}"  # ${{N}} only counts as the whole string


def test_a_field_set_to_json_null_is_removed_as_oc_process_does() -> None:
    source = template(
        [{"apiVersion": "v1", "kind": "Thing", "metadata": {"name": "x"},
          "spec": {"sourceSecret": "${{SECRET}}", "resources": "${{RESOURCES}}", "kept": None,
                   "items": [{"ref": "${{SECRET}}", "name": "a"}]}}],
        [{"name": "SECRET", "value": "null"}, {"name": "RESOURCES", "value": "null"}],
    )
    spec = templates.process(source).objects[0]["spec"]
    # library-go drops the key a ${{X}} null lands on; a null written in the template itself stays.
    assert spec == {"kept": None, "items": [{"name": "a"}]}
    given = templates.process(source, {"SECRET": '{"name": "git"}'}).objects[0]["spec"]
    assert given["sourceSecret"] == {"name": "git"} and "resources" not in given


def test_references_to_unknown_parameters_are_left_alone() -> None:
    source = template([config_map({"a": "${MISSING}", "b": "${{MISSING}}", "c": "$HOME"})], [])
    assert templates.process(source).objects[0]["data"] == {"a": "${MISSING}", "b": "${{MISSING}}", "c": "$HOME"}


def test_generated_values_match_the_expression_and_differ_between_renders() -> None:
    source = template(
        [config_map({"secret": "${SECRET}"})],
        [{"name": "SECRET", "generate": "expression", "from": "[a-zA-Z0-9]{40}"}],
    )
    first = templates.process(source).values["SECRET"]
    second = templates.process(source).values["SECRET"]
    assert re.fullmatch(r"[a-zA-Z0-9]{40}", first)
    assert re.fullmatch(r"[a-zA-Z0-9]{40}", second)
    assert first != second


def test_supplied_values_win_over_defaults_and_generators() -> None:
    source = template(
        [config_map({"a": "${A}", "b": "${B}"})],
        [{"name": "A", "value": "default"}, {"name": "B", "generate": "expression", "from": "[a-z]{8}"}],
    )
    assert templates.process(source, {"A": "mine", "B": "chosen"}).objects[0]["data"] == {"a": "mine", "b": "chosen"}


def test_an_empty_supplied_value_replaces_the_default_then_generation_applies() -> None:
    source = template(
        [config_map({"a": "${A}", "b": "${B}"})],
        [{"name": "A", "value": "default"}, {"name": "B", "value": "x", "generate": "expression", "from": "[0-9]{5}"}],
    )
    result = templates.process(source, {"A": "", "B": ""})
    assert result.values["A"] == ""
    assert re.fullmatch(r"[0-9]{5}", result.values["B"])


def test_a_missing_required_parameter_is_a_clear_error() -> None:
    source = template([config_map({"a": "${NAME}"})], [{"name": "NAME", "required": True}])
    with pytest.raises(templates.TemplateError, match=r"parameter NAME is required: pass -p NAME=VALUE"):
        templates.process(source)
    with pytest.raises(templates.TemplateError, match="NAME is required"):
        templates.process(source, {"NAME": ""})
    assert templates.process(source, {"NAME": "x"}).objects[0]["data"] == {"a": "x"}


def test_unknown_parameters_are_rejected_unless_ignored() -> None:
    source = template([config_map({})], [{"name": "KNOWN", "value": "1"}])
    with pytest.raises(templates.TemplateError, match=r"unknown parameter TYPO \(this template takes: KNOWN\)"):
        templates.process(source, {"TYPO": "1"})
    assert templates.process(source, {"TYPO": "1"}, ignore_unknown=True).values == {"KNOWN": "1"}


def test_literal_namespaces_are_stripped_and_parameterised_ones_kept() -> None:
    source = template(
        [config_map({}, namespace="openshift"), config_map({}, namespace="${NS}"), config_map({}, namespace="${{NS}}")],
        [{"name": "NS", "value": "models"}],
    )
    fixed, parameterised, value_reference = templates.process(source).objects
    assert "namespace" not in fixed["metadata"]
    assert parameterised["metadata"]["namespace"] == "models"
    assert "namespace" not in value_reference["metadata"]  # only ${NS} keeps a namespace, as in OpenShift


def test_template_labels_are_substituted_and_set_on_every_object_overwriting_equal_keys() -> None:
    source = template(
        [config_map({}, labels={"app": "old", "keep": "me"}), config_map({})],
        [{"name": "NAME", "value": "iris"}],
        labels={"app": "${NAME}", "template": "t", "${NAME}/role": "${{NAME}}"},
    )
    result = templates.process(source, extra_labels={"team": "ml"})
    expected = {"app": "iris", "template": "t", "iris/role": "iris", "team": "ml"}
    assert result.objects[0]["metadata"]["labels"] == {**expected, "keep": "me"}
    assert result.objects[1]["metadata"]["labels"] == expected


def test_the_message_is_substituted_as_text() -> None:
    source = template([], [{"name": "S", "generate": "expression", "from": "[a-f]{6}"}], message="secret: ${S}")
    result = templates.process(source)
    assert result.message == f"secret: {result.values['S']}"
    quoted = template([], [{"name": "Q", "value": '"quoted"'}], message="${{Q}}")
    assert templates.process(quoted).message == '"quoted"'


def test_the_template_is_not_modified_by_processing() -> None:
    source = template([config_map({"a": "${A}"}, namespace="x")], [{"name": "A", "value": "1"}], labels={"l": "v"})
    before = repr(source)
    templates.process(source)
    assert repr(source) == before


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({"kind": "ConfigMap", "apiVersion": "v1"}, "expected kind Template"),
        (template([], [{"name": "A"}, {"name": "A"}]), "parameter A is declared twice"),
        (template([], [{"name": "bad-name"}]), "must be letters, digits and underscores"),
        (template([], [{"name": "N", "value": 3}]), "value must be a string"),
        (template([], [{"name": "S", "generate": "random", "from": "x"}]), "unknown generator 'random'"),
        (template([], [{"name": "S", "generate": "expression", "from": "[a-z]{0}"}]), "count {0} must be"),
        ({**template([], []), "objects": "nope"}, "objects must be a list"),
        ([1, 2], "must be a mapping"),
    ],
)
def test_malformed_templates_are_rejected_with_a_reason(source: Any, message: str) -> None:
    with pytest.raises(templates.TemplateError, match=re.escape(message)):
        templates.process(source)


@pytest.mark.parametrize(
    ("expression", "alphabet"),
    [
        ("[a-f]{64}", "abcdef"),
        (r"[\d]{64}", string.digits),
        (r"[\w]{64}", string.ascii_letters + string.digits + "_"),
        (r"[\a]{64}", string.ascii_letters + string.digits),
        (r"[\A]{64}", "~!@#$%^&*()-_+={}[]\\|<,>.?/\"';:`"),
        (r"[A-Z\d]{64}", string.ascii_uppercase + string.digits),
    ],
)
def test_expression_classes_draw_from_their_alphabet(expression: str, alphabet: str) -> None:
    value = expressions.generate(expression)
    assert len(value) == 64
    assert set(value) <= set(alphabet)


def test_expressions_copy_literal_text_around_groups() -> None:
    value = expressions.generate("key-[0-9]{4}-end")
    assert re.fullmatch(r"key-[0-9]{4}-end", value)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("plain", "no [class]{count} group"),
        ("[z-a]{3}", "runs backwards"),
        (r"[\q]{3}", "unknown class"),
        ("[a-z]{256}", "from 1 to 255"),
        ("[a-z]{x}", "from 1 to 255"),
    ],
)
def test_bad_expressions_are_errors(expression: str, message: str) -> None:
    with pytest.raises(expressions.ExpressionError, match=re.escape(message)):
        expressions.generate(expression)

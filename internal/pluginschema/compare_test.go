package pluginschema

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// A miniature SDK: what pulumi-docker's generated Go looks like.
type widgetArgs struct {
	Name    string            `pulumi:"name"`
	Command []string          `pulumi:"command"`
	Check   *widgetCheck      `pulumi:"check"`
	Labels  []widgetLabel     `pulumi:"labels"`
	Env     map[string]string `pulumi:"env"`
	Retries *int              `pulumi:"retries"`
}

type widgetCheck struct {
	Tests    []string `pulumi:"tests"`
	Interval *string  `pulumi:"interval"`
}

type widgetLabel struct {
	Label string `pulumi:"label"`
	Value string `pulumi:"value"`
}

type widget struct {
	pulumi.CustomResourceState
	Name    pulumi.StringOutput      `pulumi:"name"`
	Retries pulumi.IntPtrOutput      `pulumi:"retries"`
	Command pulumi.StringArrayOutput `pulumi:"command"`
}

const widgetSchema = `{
  "name": "demo", "version": "1.0.0",
  "resources": {"demo:index/widget:Widget": {
    "inputProperties": {
      "name": {"type": "string"},
      "command": {"type": "array", "items": {"type": "string"}},
      "check": {"$ref": "#/types/demo:index/WidgetCheck:WidgetCheck"},
      "labels": {"type": "array", "items": {"$ref": "#/types/demo:index/WidgetLabel:WidgetLabel"}},
      "env": {"type": "object", "additionalProperties": {"type": "string"}},
      "retries": {"type": "integer"},
      "platform": {"type": "string"}
    },
    "requiredInputs": ["name"],
    "properties": {
      "name": {"type": "string"}, "retries": {"type": "integer"},
      "command": {"type": "array", "items": {"type": "string"}}
    }
  }},
  "types": {
    "demo:index/WidgetCheck:WidgetCheck": {"type": "object", "properties": {
      "tests": {"type": "array", "items": {"type": "string"}}, "interval": {"type": "string"}}},
    "demo:index/WidgetLabel:WidgetLabel": {"type": "object", "properties": {
      "label": {"type": "string"}, "value": {"type": "string"}}, "required": ["label", "value"]}
  }
}`

const widgetToken = "demo:index/widget:Widget"

func compareWidget(t *testing.T, edit func(string) string) Report {
	t.Helper()
	pkg, err := Parse([]byte(edit(widgetSchema)))
	if err != nil {
		t.Fatal(err)
	}
	return pkg.CompareResource(widgetToken, reflect.TypeOf(widgetArgs{}), reflect.TypeOf(widget{}))
}

func TestCompareResource_Matching(t *testing.T) {
	r := compareWidget(t, func(s string) string { return s })
	if len(r.Mismatches) > 0 {
		t.Fatalf("mismatches: %v", r.Mismatches)
	}
	// 6 inputs + 2 check fields + 2 label fields + 3 outputs.
	if r.Checked != 13 {
		t.Errorf("checked %d fields, want 13", r.Checked)
	}
	if want := []string{widgetToken + " input.platform"}; !reflect.DeepEqual(r.Unused, want) {
		t.Errorf("unused = %v, want %v", r.Unused, want)
	}
}

func TestCompareResource_Drift(t *testing.T) {
	cases := []struct {
		name string
		edit func(string) string
		want string
	}{
		{"renamed input", func(s string) string {
			return strings.Replace(s, `"command": {"type": "array"`, `"commands": {"type": "array"`, 1)
		},
			"input.command: the SDK has this field; the plugin's schema does not"},
		{"renamed nested field", func(s string) string { return strings.Replace(s, `"interval"`, `"intervalSeconds"`, 1) },
			"input.check.interval: the SDK has this field"},
		{"renamed output", func(s string) string {
			return strings.Replace(s, `"name": {"type": "string"}, "retries"`, `"title": {"type": "string"}, "retries"`, 1)
		},
			"output.name: the SDK has this field"},
		{"changed primitive", func(s string) string {
			return strings.Replace(s, `"retries": {"type": "integer"},`, `"retries": {"type": "string"},`, 1)
		},
			`input.retries: the SDK sends integer (int), the schema "string"`},
		{"list became an object", func(s string) string {
			return strings.Replace(s, `"labels": {"type": "array", "items": {"$ref": "#/types/demo:index/WidgetLabel:WidgetLabel"}}`, `"labels": {"$ref": "#/types/demo:index/WidgetLabel:WidgetLabel"}`, 1)
		}, "input.labels: the SDK sends []pluginschema.widgetLabel, the schema an object"},
		{"newly required", func(s string) string {
			return strings.Replace(s, `"requiredInputs": ["name"]`, `"requiredInputs": ["name", "retries"]`, 1)
		},
			"input.retries: the schema requires it; the SDK may leave it out"},
		{"missing type", func(s string) string {
			return strings.Replace(s, `"demo:index/WidgetCheck:WidgetCheck": {`, `"demo:index/Other:Other": {`, 1)
		},
			"input.check: refers to demo:index/WidgetCheck:WidgetCheck, which the schema does not define"},
		{"missing resource", func(s string) string {
			return strings.Replace(s, `"demo:index/widget:Widget": {`, `"demo:index/gadget:Gadget": {`, 1)
		},
			"resource missing from the plugin's schema"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := compareWidget(t, tc.edit)
			if len(r.Mismatches) != 1 || !strings.Contains(r.Mismatches[0], tc.want) {
				t.Fatalf("mismatches = %q, want one containing %q", r.Mismatches, tc.want)
			}
		})
	}
}

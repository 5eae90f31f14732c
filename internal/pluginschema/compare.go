package pluginschema

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

// Report is what a comparison found for one resource.
type Report struct {
	// Mismatches are what would break: a field the SDK sends that the schema
	// lacks, a different shape, or an input the schema requires that the SDK
	// may leave out.
	Mismatches []string
	// Checked counts the fields compared (nested ones included).
	Checked int
	// Unused are schema inputs the SDK cannot send (newer upstream fields).
	Unused []string
}

// CompareResource checks the resource token's schema against the SDK's input
// struct (what `XArgs.ElementType()` returns) and its resource struct (the
// output fields, e.g. docker.Container).
func (p *Package) CompareResource(token string, args, resource reflect.Type) Report {
	c := comparer{pkg: p, seen: map[string]bool{}}
	res, ok := p.Resources[token]
	if !ok {
		c.fail(token, "resource missing from the plugin's schema")
		return c.report
	}
	c.object(token+" input", args, res.InputProperties, res.RequiredInputs, true)
	c.object(token+" output", resource, res.Properties, nil, false)
	sort.Strings(c.report.Unused)
	return c.report
}

type comparer struct {
	pkg    *Package
	report Report
	// seen avoids comparing a named type twice (and recursing forever).
	seen map[string]bool
}

func (c *comparer) fail(path, format string, args ...any) {
	c.report.Mismatches = append(c.report.Mismatches, path+": "+fmt.Sprintf(format, args...))
}

// object compares a Go struct's pulumi-tagged fields with schema properties.
func (c *comparer) object(path string, goType reflect.Type, props map[string]Property, required []string, inputs bool) {
	fields := map[string]reflect.Type{}
	for i := range goType.NumField() {
		f := goType.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
		if name == "" {
			continue
		}
		fieldType := f.Type
		if !inputs {
			fieldType = outputElement(f.Type)
		}
		fields[name] = fieldType
		prop, ok := props[name]
		if !ok {
			c.fail(path+"."+name, "the SDK has this field; the plugin's schema does not")
			continue
		}
		c.report.Checked++
		c.shape(path+"."+name, fieldType, prop, inputs)
	}
	for _, name := range required {
		if t, ok := fields[name]; ok && t.Kind() == reflect.Pointer {
			c.fail(path+"."+name, "the schema requires it; the SDK may leave it out")
		}
	}
	if inputs {
		for name := range props {
			if _, ok := fields[name]; !ok {
				c.report.Unused = append(c.report.Unused, path+"."+name)
			}
		}
	}
}

// shape compares one Go field type with a schema property.
func (c *comparer) shape(path string, goType reflect.Type, prop Property, inputs bool) {
	for goType.Kind() == reflect.Pointer {
		goType = goType.Elem()
	}
	if token := typeToken(prop.Ref); token != "" {
		named, ok := c.pkg.Types[token]
		switch {
		case !ok:
			c.fail(path, "refers to %s, which the schema does not define", token)
		case len(named.Enum) > 0:
			c.primitive(path, goType, named.Type)
		case goType.Kind() != reflect.Struct:
			c.fail(path, "the SDK sends %s, the schema an object %s", goType, token)
		case !c.seen[token+fmt.Sprint(inputs)]:
			c.seen[token+fmt.Sprint(inputs)] = true
			c.object(path, goType, named.Properties, named.Required, inputs)
		}
		return
	}
	if prop.Ref != "" {
		// pulumi.json#/Any, #/Asset, #/Archive: the SDK's own types.
		return
	}
	switch prop.Type {
	case "array":
		if goType.Kind() != reflect.Slice || prop.Items == nil {
			c.fail(path, "the SDK sends %s, the schema an array", goType)
			return
		}
		c.shape(path+"[]", goType.Elem(), *prop.Items, inputs)
	case "object":
		if goType.Kind() != reflect.Map || prop.AdditionalProperties == nil {
			c.fail(path, "the SDK sends %s, the schema a map", goType)
			return
		}
		c.shape(path+"{}", goType.Elem(), *prop.AdditionalProperties, inputs)
	default:
		c.primitive(path, goType, prop.Type)
	}
}

var primitives = map[reflect.Kind]string{
	reflect.String: "string", reflect.Bool: "boolean",
	reflect.Int: "integer", reflect.Int64: "integer", reflect.Int32: "integer",
	reflect.Float64: "number", reflect.Float32: "number",
}

func (c *comparer) primitive(path string, goType reflect.Type, schemaType string) {
	want, ok := primitives[goType.Kind()]
	if !ok {
		if goType.Kind() == reflect.Interface {
			return // pulumi.Any: anything goes
		}
		c.fail(path, "the SDK sends %s, the schema %q", goType, schemaType)
		return
	}
	if want != schemaType && !(want == "integer" && schemaType == "number") {
		c.fail(path, "the SDK sends %s (%s), the schema %q", want, goType, schemaType)
	}
}

// outputElement is the plain type behind an SDK output field
// (pulumi.StringOutput → string, ContainerHealthcheckPtrOutput → *ContainerHealthcheck).
func outputElement(t reflect.Type) reflect.Type {
	if m, ok := t.MethodByName("ElementType"); ok && m.Type.NumIn() == 1 {
		if out := m.Func.Call([]reflect.Value{reflect.New(t).Elem()}); len(out) == 1 {
			if elem, ok := out[0].Interface().(reflect.Type); ok {
				return elem
			}
		}
	}
	return t
}

package rules

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// maxAliasNodes bounds the nodes copied for aliases in one file, against
// aliases of aliases that grow without end.
const maxAliasNodes = 10000

// anchorUse is where a value reached through an alias comes from.
type anchorUse struct {
	anchor string
	line   int
}

// expandAliases replaces each alias (*name) in the tree by a copy of the
// anchored value placed where the alias is written: a problem in a value
// used through an alias is reported where it is used, the anchor named.
func (d *decoder) expandAliases(n *yaml.Node) {
	budget := maxAliasNodes
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		for i, c := range n.Content {
			if c.Kind == yaml.AliasNode && c.Alias != nil {
				if cp := d.copyAt(resolve(c), c, &budget); cp != nil {
					n.Content[i] = cp
				}
				continue
			}
			walk(c)
		}
	}
	walk(n)
}

// copyAt deep-copies n with every node at alias's position, or returns nil
// past the budget.
func (d *decoder) copyAt(n, alias *yaml.Node, budget *int) *yaml.Node {
	if *budget <= 0 {
		return nil
	}
	*budget--
	cp := *n
	cp.Line, cp.Column, cp.Anchor = alias.Line, alias.Column, ""
	cp.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		if cp.Content[i] = d.copyAt(resolve(c), alias, budget); cp.Content[i] == nil {
			return nil
		}
	}
	if d.via == nil {
		d.via = map[*yaml.Node]anchorUse{}
	}
	d.via[&cp] = anchorUse{anchor: alias.Value, line: n.Line}
	return &cp
}

// viaSuffix names the anchor a node's value comes from, if it does.
func (d *decoder) viaSuffix(n *yaml.Node) string {
	if u, ok := d.via[n]; ok {
		return fmt.Sprintf(" (in the value of &%s, line %d)", u.anchor, u.line)
	}
	return ""
}

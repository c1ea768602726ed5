package logs

import "errors"

// PLACEHOLDER: replaced by the real parser.
func parseRoute53Resolver(in *Input, out *Output) error { return errors.New("route53resolver parser not built yet") }

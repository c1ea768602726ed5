package logs

import "errors"

// PLACEHOLDER: replaced by the real parser.
func parseWAF(in *Input, out *Output) error { return errors.New("waf parser not built yet") }

package logs

import "errors"

// PLACEHOLDER: replaced by the real parser.
func parseVPCFlow(in *Input, out *Output) error { return errors.New("vpcflow parser not built yet") }

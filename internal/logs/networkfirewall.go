package logs

import "errors"

// PLACEHOLDER: replaced by the real parser.
func parseNetworkFirewall(in *Input, out *Output) error { return errors.New("networkfirewall parser not built yet") }

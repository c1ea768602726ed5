package logs

import "errors"

// PLACEHOLDER: replaced by the real parser.
func parseGuardDuty(in *Input, out *Output) error { return errors.New("guardduty parser not built yet") }

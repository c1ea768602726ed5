package logs

import "errors"

// PLACEHOLDER: replaced by the real parser.
func parseCloudFront(in *Input, out *Output) error { return errors.New("cloudfront parser not built yet") }

package logs

import "errors"

// PLACEHOLDER: replaced by the real parser.
func parseS3Access(in *Input, out *Output) error { return errors.New("s3access parser not built yet") }

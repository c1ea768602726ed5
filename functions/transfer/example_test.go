package transfer

import "fmt"

// The awslogs.data of the aws-lambda-go sample subscription event.
func ExampleDecode() {
	d, err := Decode("H4sIAAAAAAAAAHWPwQqCQBCGX0Xm7EFtK+smZBEUgXoLCdMhFtKV3akI8d0bLYmibvPPN3wz00CJxmQnTO41whwWQRIctmEcB6sQbFC3CjW3XW8kxpOpP+OC22d1Wml1qZkQGtoMsScxaczKN3plG8zlaHIta5KqWsozoTYw3/djzwhpLwivWFGHGpAFe7DL68JlBUk+l7KSN7tCOEJ4M3/qOI49vMHj+zCKdlFqLaU2ZHV2a4Ct/an0/ivdX8oYc1UVX860fQDQiMdxRQEAAA==")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.MessageType, d.Owner, d.LogGroup, len(d.LogEvents), ObjectName(d))
	// Output: DATA_MESSAGE 123456789123 testLogGroup 2 064f5dec54eceb0b8b1bbd41e36a54be
}

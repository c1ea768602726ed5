// Command subscribe is the log-subscribing Lambda (see functions/subscribe).
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/orgsiem/orgsiem/functions/subscribe"
)

func main() {
	cfg, err := subscribe.ConfigFromEnv(os.Getenv)
	if err != nil {
		log.Fatal(err)
	}
	// The Subscriber retries throttling with backoff; the SDK does not.
	aws, err := config.LoadDefaultConfig(context.Background(), config.WithRetryMaxAttempts(1))
	if err != nil {
		log.Fatal(err)
	}
	// A sweep that runs out of time invokes this function again to
	// continue where it stopped (lambda:InvokeFunction on itself).
	s, err := subscribe.New(cfg, cloudwatchlogs.NewFromConfig(aws), subscribe.WithContinuation(awslambda.NewFromConfig(aws)))
	if err != nil {
		log.Fatal(err)
	}
	lambda.Start(s.Handle)
}

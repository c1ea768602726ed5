package stacks

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/archive"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// pulumiProject lays out a project like ours: Pulumi.yaml at the root with
// `main: cmd/deploy`, `make package`'s zips under build/lambda. It returns
// the root and the program directory.
func pulumiProject(t *testing.T) (root, program string) {
	t.Helper()
	root = t.TempDir()
	if err := os.WriteFile(filepath.Join(root, ProjectFile), []byte("name: orgsiem\nruntime: go\nmain: cmd/deploy\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	built := writePackages(t)
	if err := os.MkdirAll(filepath.Join(root, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(built, filepath.Join(root, "build", "lambda")); err != nil {
		t.Fatal(err)
	}
	program = filepath.Join(root, "cmd", "deploy")
	if err := os.MkdirAll(program, 0o755); err != nil {
		t.Fatal(err)
	}
	return root, program
}

// Pulumi's project file reference: `main` is the "Path to the Pulumi
// program, relative to the location of Pulumi.yaml" and "By default, the
// program's working directory is assumed to be the location of
// Pulumi.yaml. To choose a different location, use the main property"
// (https://www.pulumi.com/docs/reference/pulumi-yaml/): the Go program runs
// in cmd/deploy. The SDK exposes the project root as ctx.RootDirectory()
// ("the location of the Pulumi.yaml", from PULUMI_ROOT_DIRECTORY; sdk v3
// go/pulumi/context.go). The default relative buildDir must be found from
// there.
func TestRelativeBuildDirIsResolvedAgainstTheProjectRoot(t *testing.T) {
	for _, tc := range []struct {
		name        string
		rootFromCLI bool
	}{
		{"the CLI passes the project root", true},
		{"an older CLI passes no root: Pulumi.yaml is found above the program", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root, program := pulumiProject(t)
			t.Chdir(program)
			cfg := sampleConfig(t)
			delete(cfg, "buildDir") // the default, build/lambda
			conf := map[string]string{}
			for k, v := range cfg {
				conf[Namespace+":"+k] = v
			}
			w := &world{members: 1}
			err := pulumi.RunErr(Run, pulumi.WithMocks("orgsiem", "test", w), func(ri *pulumi.RunInfo) {
				ri.Config = conf
				if tc.rootFromCLI {
					ri.RootDirectory = root
				}
			})
			if err != nil {
				t.Fatalf("deploy from %s with the default buildDir: %v", program, err)
			}
			n := 0
			for _, r := range ofType(w.placed(t), "aws:lambda/function:Function") {
				code, ok := r.Inputs["code"].(*archive.Archive)
				if !ok || filepath.Dir(code.Path) != filepath.Join(root, "build", "lambda") {
					t.Errorf("function %s code %v is not under the project's build/lambda", r.Name, r.Inputs["code"])
				}
				n++
			}
			if n == 0 {
				t.Error("no function deployed")
			}
		})
	}
}

func TestResolveBuildDir(t *testing.T) {
	root, program := pulumiProject(t)
	t.Chdir(program)
	abs := filepath.Join(t.TempDir(), "zips")
	for _, tc := range []struct{ name, dir, root, want string }{
		{"an absolute directory is kept", abs, root, abs},
		{"a relative directory joins the given root", "out/zips", "/srv/project", "/srv/project/out/zips"},
		{"without a root, the directory holding Pulumi.yaml is the root", "build/lambda", "", filepath.Join(root, "build", "lambda")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ResolveBuildDir(tc.dir, tc.root)
			if err != nil || got != tc.want {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	t.Run("no project file above the working directory is an error", func(t *testing.T) {
		t.Chdir(t.TempDir())
		if _, err := ResolveBuildDir("build/lambda", ""); err == nil {
			t.Error("resolved a relative buildDir without a project root")
		}
	})
}

// Command sdkgen writes the vmbackup SDKs for Python, Go, .NET and Node.js from the package schema with
// Pulumi's own code generators: the libraries `pulumi package gen-sdk` hands the schema to, called here
// directly because their language hosts are not all served by the Go module proxy.
//
//	go run . -schema ../../schemas/pulumi/schema.json -logo ../../schemas/pulumi/logo.png -out DIR [-version V] [-languages python,go,dotnet,nodejs]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/blang/semver"
	"github.com/pulumi/pulumi/pkg/v3/codegen/dotnet"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The header of every generated file names the generator.
const tool = "vmbackup sdkgen"

// noReferences answers the generators' requests for other packages: vmbackup's schema refers to none.
type noReferences struct{}

var errNoReferences = errors.New("the vmbackup schema refers to no other package")

func (noReferences) LoadPackage(string, *semver.Version) (*schema.Package, error) {
	return nil, errNoReferences
}

func (noReferences) LoadPackageV2(context.Context, *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, errNoReferences
}

func (noReferences) LoadPackageReference(string, *semver.Version) (schema.PackageReference, error) {
	return nil, errNoReferences
}

func (noReferences) LoadPackageReferenceV2(context.Context, *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, errNoReferences
}

// offline answers the generators' HTTP requests without the network: the .NET generator fetches the
// package logo, which is served from the file given; anything else is refused.
type offline struct{ logo string }

func (o offline) RoundTrip(req *http.Request) (*http.Response, error) {
	if o.logo == "" {
		return nil, fmt.Errorf("sdkgen runs offline: no -logo for %s", req.URL)
	}
	f, err := os.Open(o.logo)
	if err != nil {
		return nil, err
	}
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: io.NopCloser(f), Request: req, Header: http.Header{}}, nil
}

func main() {
	schemaPath := flag.String("schema", "schemas/pulumi/schema.json", "the Pulumi package schema")
	out := flag.String("out", "sdk", "directory that receives one folder per language")
	version := flag.String("version", "", "package version written into the SDKs (default: the schema's)")
	languages := flag.String("languages", "python,go,dotnet,nodejs", "comma-separated languages to generate")
	logo := flag.String("logo", "", "PNG served as the package logo (the .NET package embeds one)")
	flag.Parse()
	http.DefaultTransport = offline{logo: *logo}
	if err := run(*schemaPath, *out, *version, strings.Split(*languages, ",")); err != nil {
		fmt.Fprintf(os.Stderr, "sdkgen: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, out, version string, languages []string) error {
	text, err := os.ReadFile(schemaPath)
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", schemaPath, err)
	}
	if version != "" {
		spec.Version = version
	}
	importers := map[string]schema.Language{
		"python": python.Importer, "go": gogen.Importer, "nodejs": nodejs.Importer, "csharp": dotnet.Importer,
	}
	loader := noReferences{}
	for _, lang := range languages {
		// Each generator decorates the bound package, so each gets its own.
		pkg, err := schema.ImportSpec(spec, importers, schema.ValidationOptions{})
		if err != nil {
			return fmt.Errorf("%s: %w", schemaPath, err)
		}
		var files map[string][]byte
		switch lang {
		case "python":
			files, err = python.GeneratePackage(tool, pkg, nil, loader)
		case "go":
			files, err = gogen.GeneratePackage(tool, pkg, nil)
		case "dotnet":
			files, err = dotnet.GeneratePackage(tool, pkg, nil, nil)
		case "nodejs":
			files, err = nodejs.GeneratePackage(tool, pkg, nil, nil, false, loader)
		default:
			return fmt.Errorf("unknown language %q (python, go, dotnet, nodejs)", lang)
		}
		if err != nil {
			return fmt.Errorf("%s SDK: %w", lang, err)
		}
		dir := filepath.Join(out, lang)
		if err := os.RemoveAll(dir); err != nil {
			return err
		}
		for name, content := range files {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(os.Stderr, "sdkgen: %s SDK: %d files in %s\n", lang, len(files), dir)
	}
	return nil
}

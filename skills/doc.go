// Package skills will hold the skills library: snippets that worked, saved under
// <workspace>/skills/<name> and importable from later snippets as "skills/<name>" (store,
// validation, search). The sandbox already resolves "skills/..." imports from the workspace, so
// the library plugs in without changing it. Not built yet.
package skills

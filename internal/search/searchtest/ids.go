package searchtest

import "sort"

// IDs returns the _ids of the documents an index holds, sorted.
func (s *Server) IDs(index string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.docs[index]))
	for id := range s.docs[index] {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

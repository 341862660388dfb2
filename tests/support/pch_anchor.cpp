// The one source of bitlens_test_torch_pch: CMake builds a target's precompiled header only for a
// target that compiles something. The suites reuse that header; nothing links this object.

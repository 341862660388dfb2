// The one source of the suites' precompiled-header targets (bitlens_test_torch_pch,
// bitlens_test_gui_pch): CMake builds a target's precompiled header only for a
// target that compiles something. The suites reuse that header; nothing links this object.

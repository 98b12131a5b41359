/* gmsvar.io._fmt: placeholder module (filled in by the issue-4 speed work). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyMethodDef methods[] = {{NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "gmsvar.io._fmt", NULL, -1, methods};

PyMODINIT_FUNC PyInit__fmt(void) { return PyModule_Create(&module); }

/* gmsvar.io._tabix: placeholder module (filled in by the issue-4 speed work). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyMethodDef methods[] = {{NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "gmsvar.io._tabix", NULL, -1, methods};

PyMODINIT_FUNC PyInit__tabix(void) { return PyModule_Create(&module); }

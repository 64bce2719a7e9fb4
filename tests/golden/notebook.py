"""The course notebook's own NumPy RNN code, the seed of this project.

Transcribed from the course notebook "RNN a pie" (Curso Procesamiento de
Lenguaje Natural, Julio Waissman Vilanova; kept in the project as
/work/shared/seed/rnn-a-pie.txt).  The functions below are the notebook's
code as it writes it, comments included; only this docstring and the
__all__ line are added.  generate.py calls them to make the
"numpy-notebook" golden cases.

Conventions (the notebook's): column vectors.  x_t is [X][1], h and C are
[H][1]; vanilla weights are (w_hh [H][H], w_xh [H][X], b_h [H][1]); LSTM
weights are (Ui, Wi, Uf, Wf, Uo, Wo, U, W), U* [H][X], W* [H][H], no bias.
scan_* take a list (or an array iterated on its first axis) of x_t and need
an explicit h_0 (and C_0): None would fail inside np.dot.
"""

import numpy as np

__all__ = ["sigmoid", "forward_V_RNN", "forward_LSTM", "scan_V_RNN", "scan_LSTM"]


def sigmoid(x):
    # Calcula la función logística

    ## INICIA CODIGO
    return 1 / (1 + np.exp(-x))
    ## ACABA CODIGO


def forward_V_RNN(inputs, weights):
    # Forward propagation para una RNN vanilla
    x_t, h_t_prev = inputs

    # weights.
    w_hh, w_xh, b_h = weights

    ### INICIA CODIGO ###
    # Nuevo estado oculto

    # Operación lineal
    z_t = np.dot(w_xh, x_t) + np.dot(w_hh, h_t_prev) + b_h

    # Activación
    h_t = np.tanh(z_t)

    ### ACABA CODIGO ###

    return h_t


def forward_LSTM(inputs, weights):
    # Forward propagation para una RNN tipo LSTM
    x_t, h_t_prev, C_t_prev = inputs

    # pesos.
    Ui, Wi, Uf, Wf, Uo, Wo, U, W = weights

    ### INICIA CODIGO ###
    # Compuerta de entrada
    i = sigmoid(np.dot(Ui, x_t) + np.dot(Wi, h_t_prev))

    # Compuerta de olvido
    f = sigmoid(np.dot(Uf, x_t) + np.dot(Wf, h_t_prev))

    # Compuerta de salida
    o = sigmoid(np.dot(Uo, x_t) + np.dot(Wo, h_t_prev))

    # Valor de celda de memoria de corto plazo
    C_t_short = np.tanh(np.dot(U, x_t) + np.dot(W, h_t_prev))

    # Valor de celda de memoria de corto y largo plazo
    C_t = f * C_t_prev + i * C_t_short

    # Valor de variable oculta
    h_t = o * np.tanh(C_t)
    ### ACABA CODIGO ###

    return h_t, C_t


def scan_V_RNN(elems, weights, h_0=None): # Forward propagation for RNNs
    h_t = h_0
    h = []
    for x in elems:
        h_t = forward_V_RNN([x, h_t], weights)
        h.append(h_t)
    return h, h_t


# Función scan para LSTM

# INICIA CODIGO
def scan_LSTM(elems, weights, h_0=None, C_0=None): # Forward propagation for LSTMs
    h_t = h_0
    C_t = C_0
    h = []
    for x in elems:
        h_t, C_t = forward_LSTM([x, h_t, C_t], weights)
        h.append(h_t)
    return h, (h_t, C_t)
# TERMINA CODIGO

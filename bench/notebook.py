"""The notebook "RNN a pie"'s numpy RNN, as bench/compare.py times it.

Transcribed from the project's own seed, /work/shared/seed/rnn-a-pie.txt:
forward_V_RNN, forward_LSTM, scan_V_RNN and scan_LSTM exactly as written there
(only the Spanish comments are left out).  The notebook has no GRU.  Shapes as
in the notebook: x_t [X][1] (or [X][B] with the batch as columns), h and C
[H][1] (or [H][B]); vanilla weights [w_hh, w_xh, b_h], LSTM weights
[Ui, Wi, Uf, Wf, Uo, Wo, U, W] with no bias.
"""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def forward_V_RNN(inputs, weights):
    x_t, h_t_prev = inputs
    w_hh, w_xh, b_h = weights
    z_t = np.dot(w_xh, x_t) + np.dot(w_hh, h_t_prev) + b_h
    h_t = np.tanh(z_t)
    return h_t


def forward_LSTM(inputs, weights):
    x_t, h_t_prev, C_t_prev = inputs
    Ui, Wi, Uf, Wf, Uo, Wo, U, W = weights
    i = sigmoid(np.dot(Ui, x_t) + np.dot(Wi, h_t_prev))
    f = sigmoid(np.dot(Uf, x_t) + np.dot(Wf, h_t_prev))
    o = sigmoid(np.dot(Uo, x_t) + np.dot(Wo, h_t_prev))
    C_t_short = np.tanh(np.dot(U, x_t) + np.dot(W, h_t_prev))
    C_t = f * C_t_prev + i * C_t_short
    h_t = o * np.tanh(C_t)
    return h_t, C_t


def scan_V_RNN(elems, weights, h_0=None):
    h_t = h_0
    h = []
    for x in elems:
        h_t = forward_V_RNN([x, h_t], weights)
        h.append(h_t)
    return h, h_t


def scan_LSTM(elems, weights, h_0=None, C_0=None):
    h_t = h_0
    C_t = C_0
    h = []
    for x in elems:
        h_t, C_t = forward_LSTM([x, h_t, C_t], weights)
        h.append(h_t)
    return h, (h_t, C_t)

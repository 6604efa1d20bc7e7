namespace Hunyuan.Engine.StructuredOutput.Automaton;

internal enum NumberPhase
{
    /// <summary>After '-': a digit.</summary>
    Sign,

    /// <summary>A leading 0: no more integer digits.</summary>
    Zero,

    Integer,

    /// <summary>After '.': a digit.</summary>
    Dot,

    Fraction,

    /// <summary>After 'e' or 'E': a sign or a digit.</summary>
    Exponent,

    /// <summary>After the exponent's sign: a digit.</summary>
    ExponentSign,

    ExponentDigits,
}
